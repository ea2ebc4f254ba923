/* cmdtest: a fake-client harness for unit tests of command handlers. */
#include "cmdtest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "config.h"
#include "server_state.h"
#include "util/buf.h"

static struct config cfg;
static struct buf last_reply = BUF_INIT;
static struct buf propagated = BUF_INIT;
static struct client *clients[64];
static int nclients;

static void capture_propagate(int dbid, const char *resp, size_t len)
{
    (void)dbid;
    buf_append(&propagated, resp, len);
}

void cmdtest_setup(void)
{
    config_init(&cfg);
    server_state_init(&cfg);
    server.propagate = capture_propagate;
    nclients = 0;
}

void cmdtest_teardown(void)
{
    for (int i = 0; i < nclients; i++) {
        server_unlink_client(clients[i]);
        client_free(clients[i]);
    }
    nclients = 0;
    server_state_free();
    config_free(&cfg);
    buf_free(&last_reply);
    buf_free(&propagated);
}

struct client *cmdtest_client(void)
{
    struct client *c = client_create(-1);
    server_link_client(c);
    if (nclients < (int)(sizeof(clients) / sizeof(clients[0])))
        clients[nclients++] = c;
    return c;
}

const char *cmdtest_runv(struct client *c, int argc, const char **argv, const size_t *lens)
{
    struct resp_arg *args = calloc((size_t)argc + 1, sizeof(*args));
    for (int i = 0; i < argc; i++) {
        args[i].ptr = argv[i];
        args[i].len = lens ? lens[i] : strlen(argv[i]);
    }
    buf_clear(&propagated);
    size_t before = c->reply.len;
    c->argc = argc;
    c->argv = args;
    command_exec(c);
    c->argc = 0;
    c->argv = NULL;
    buf_clear(&last_reply);
    buf_append(&last_reply, c->reply.data + before, c->reply.len - before);
    buf_append_char(&last_reply, '\0');
    last_reply.len--;
    buf_clear(&c->reply);
    c->sentpos = 0;
    free(args);
    return last_reply.data ? last_reply.data : "";
}

const char *cmdtest_run(struct client *c, ...)
{
    const char *argv[256];
    int argc = 0;
    va_list ap;
    va_start(ap, c);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 256)
        argv[argc++] = a;
    va_end(ap);
    return cmdtest_runv(c, argc, argv, NULL);
}

size_t cmdtest_last_len(void)
{
    return last_reply.len;
}

void cmdtest_set_time(int64_t ms)
{
    server.fixed_time_ms = ms;
}

const char *cmdtest_propagated(void)
{
    buf_append_char(&propagated, '\0');
    propagated.len--;
    return propagated.data;
}
