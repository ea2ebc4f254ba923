/* reply: the handlers' answer API, on top of the RESP writer. */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "server_state.h"

/* Tells the network layer that c has output, once per batch: net.c puts the
 * client on its pending-write list and writes everything before the loop
 * sleeps (one write per client per iteration, however many replies). */
static inline void touched(struct client *c)
{
    if (!(c->flags & CLIENT_PENDING_WRITE) && server.on_reply) {
        server.on_reply(c);
    }
}

void reply_ok(struct client *c)
{
    buf_append(&c->reply, "+OK\r\n", 5);
    touched(c);
}

void reply_simple(struct client *c, const char *s)
{
    resp_add_simple(&c->reply, s);
    touched(c);
}

void reply_error(struct client *c, const char *msg)
{
    resp_add_error(&c->reply, msg, strlen(msg));
    server_count_error(msg);
    if (c->cmd)
        ((struct command *)c->cmd)->failed_calls++;
    touched(c);
}

void reply_errorf(struct client *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_error(c, msg);
}

void reply_int(struct client *c, long long v)
{
    resp_add_int(&c->reply, v);
    touched(c);
}

void reply_bulk(struct client *c, const void *p, size_t n)
{
    resp_add_bulk(&c->reply, p, n);
    touched(c);
}

void reply_bulk_cstr(struct client *c, const char *s)
{
    resp_add_bulk(&c->reply, s, strlen(s));
    touched(c);
}

void reply_bulk_ll(struct client *c, long long v)
{
    resp_add_bulk_ll(&c->reply, v);
    touched(c);
}

void reply_null(struct client *c)
{
    resp_add_null(&c->reply, c->resp);
    touched(c);
}

void reply_null_array(struct client *c)
{
    resp_add_null_array(&c->reply, c->resp);
    touched(c);
}

void reply_array(struct client *c, long long n)
{
    resp_add_array_len(&c->reply, n);
    touched(c);
}

void reply_map(struct client *c, long long n)
{
    resp_add_map_len(&c->reply, c->resp, n);
    touched(c);
}

void reply_set(struct client *c, long long n)
{
    resp_add_set_len(&c->reply, c->resp, n);
    touched(c);
}

void reply_double(struct client *c, double d)
{
    resp_add_double(&c->reply, c->resp, d);
    touched(c);
}

void reply_bool(struct client *c, int v)
{
    resp_add_bool(&c->reply, c->resp, v);
    touched(c);
}

void reply_verbatim(struct client *c, const char *p, size_t n)
{
    resp_add_verbatim(&c->reply, c->resp, "txt", p, n);
    touched(c);
}

void reply_raw(struct client *c, const void *p, size_t n)
{
    buf_append(&c->reply, p, n);
    touched(c);
}

void reply_error_syntax(struct client *c)
{
    reply_error(c, "ERR syntax error");
}

void reply_error_wrongtype(struct client *c)
{
    reply_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
}

void reply_error_not_int(struct client *c)
{
    reply_error(c, "ERR value is not an integer or out of range");
}

void reply_error_not_float(struct client *c)
{
    reply_error(c, "ERR value is not a valid float");
}

void reply_error_arity(struct client *c, const char *cmdname)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command", cmdname);
}
