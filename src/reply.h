/* reply: the API command handlers use to answer.  Each function appends one
 * RESP value to c->reply in c's protocol version and tells the server the
 * client has output (server.on_reply, set by net.c, NULL in unit tests).
 *
 * Error replies are counted for INFO errorstats by their first word
 * ("ERR", "WRONGTYPE", ...) and for commandstats' failed_calls. */
#ifndef RC_REPLY_H
#define RC_REPLY_H

#include <stddef.h>

#include "client.h"

void reply_ok(struct client *c);                    /* +OK */
void reply_simple(struct client *c, const char *s); /* +s */
/* Full error text without "-": reply_error(c, "ERR syntax error"). */
void reply_error(struct client *c, const char *msg);
void reply_errorf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct client *c, long long v);
void reply_bulk(struct client *c, const void *p, size_t n);
void reply_bulk_cstr(struct client *c, const char *s);
void reply_bulk_ll(struct client *c, long long v);
void reply_null(struct client *c);       /* $-1 / _ */
void reply_null_array(struct client *c); /* *-1 / _ */
void reply_array(struct client *c, long long n);
void reply_map(struct client *c, long long n); /* n pairs */
void reply_set(struct client *c, long long n);
void reply_double(struct client *c, double d);
void reply_bool(struct client *c, int v);
void reply_verbatim(struct client *c, const char *p, size_t n); /* txt */
/* Appends pre-encoded RESP bytes. */
void reply_raw(struct client *c, const void *p, size_t n);

/* Common errors, with Redis's exact texts. */
void reply_error_syntax(struct client *c); /* ERR syntax error */
void reply_error_wrongtype(
    struct client *c); /* WRONGTYPE Operation against a key holding the wrong kind of value */
void reply_error_not_int(struct client *c);   /* ERR value is not an integer or out of range */
void reply_error_not_float(struct client *c); /* ERR value is not a valid float */
void reply_error_arity(struct client *c,
                       const char *cmdname); /* ERR wrong number of arguments for 'x' command */

#endif
