/* persistence: commands of the AOF (BGREWRITEAOF).  The work is in aof.c. */
#include <stdio.h>

#include "aof.h"
#include "command.h"
#include "reply.h"
#include "server_state.h"

static void bgrewriteaof_command(struct client *c)
{
    char err[256];
    if (aof_rewrite_in_progress()) {
        reply_error(c, "ERR Background append only file rewriting already in progress");
        return;
    }
    if (aof_rewrite_start(err, sizeof(err)) < 0) {
        reply_error(c, err);
        return;
    }
    reply_simple(c, "Background append only file rewriting started");
}

struct command persistence_commands[] = {
    {.name = "bgrewriteaof",
     .proc = bgrewriteaof_command,
     .arity = 1,
     .flags = CMD_ADMIN | CMD_NOSCRIPT,
     .group = "server",
     .since = "1.0.0",
     .summary = "Asynchronously rewrites the append-only file to disk.",
     .complexity = "O(1)",
     .args = ""},
    {0},
};
