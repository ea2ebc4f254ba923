/* commands/pubsub: the pubsub group: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE
 * PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH and the PUBSUB
 * container (CHANNELS NUMSUB NUMPAT SHARDCHANNELS SHARDNUMSUB HELP).
 *
 * The state and the delivery live in pubsub.c; these handlers only parse
 * arguments and reply.  None of these commands is a write: PUBLISH changes
 * no key, is not logged and, with Raft on, reaches the subscribers of the
 * node that received it (pubsub.h).  The RESP2 subscribed-mode restriction
 * is the executor's (command.c), PING's subscribed-mode reply PING's
 * (commands/connection.c). */
#include <ctype.h>
#include <string.h>

#include "command.h"
#include "pubsub.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

static void subscribe_kind(struct client *c, int kind)
{
    for (int i = 1; i < c->argc; i++)
        pubsub_subscribe(c, kind, c->argv[i].ptr, c->argv[i].len);
}

static void unsubscribe_kind(struct client *c, int kind)
{
    if (c->argc == 1) {
        pubsub_unsubscribe_all(c, kind, 1);
        return;
    }
    for (int i = 1; i < c->argc; i++)
        pubsub_unsubscribe(c, kind, c->argv[i].ptr, c->argv[i].len, 1);
}

static void subscribe_cmd(struct client *c)
{
    subscribe_kind(c, PUBSUB_CHANNEL);
}

static void unsubscribe_cmd(struct client *c)
{
    unsubscribe_kind(c, PUBSUB_CHANNEL);
}

static void psubscribe_cmd(struct client *c)
{
    subscribe_kind(c, PUBSUB_PATTERN);
}

static void punsubscribe_cmd(struct client *c)
{
    unsubscribe_kind(c, PUBSUB_PATTERN);
}

static void ssubscribe_cmd(struct client *c)
{
    subscribe_kind(c, PUBSUB_SHARD);
}

static void sunsubscribe_cmd(struct client *c)
{
    unsubscribe_kind(c, PUBSUB_SHARD);
}

static void publish_cmd(struct client *c)
{
    reply_int(c, pubsub_publish(0, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len));
}

static void spublish_cmd(struct client *c)
{
    reply_int(c, pubsub_publish(1, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len));
}

/* ---- PUBSUB ---- */

/* Redis's addReplySubcommandSyntaxError, for a subcommand whose arity
 * passed the table but not the handler's own check. */
static void reply_subcommand_syntax(struct client *c)
{
    char upper[16];
    size_t n = c->argv[0].len < sizeof(upper) - 1 ? c->argv[0].len : sizeof(upper) - 1;
    for (size_t i = 0; i < n; i++)
        upper[i] = (char)toupper((unsigned char)c->argv[0].ptr[i]);
    upper[n] = '\0';
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try %s HELP.",
                 (int)(c->argv[1].len > 128 ? 128 : c->argv[1].len), c->argv[1].ptr, upper);
}

/* The executor dispatches PUBSUB's subcommands itself (command.h); an
 * unknown one never reaches here. */
static void pubsub_cmd(struct client *c)
{
    reply_subcommand_syntax(c);
}

struct name_list {
    struct client *c;
    const struct resp_arg *pattern; /* NULL: all */
    struct buf names;               /* RESP bulks */
    long long n;
};

static void collect_name(void *ud, const char *name, size_t len)
{
    struct name_list *l = ud;
    if (l->pattern && !glob_match(l->pattern->ptr, l->pattern->len, name, len, 0))
        return;
    resp_add_bulk(&l->names, name, len);
    l->n++;
}

static void channel_list(struct client *c, int kind)
{
    if (c->argc > 3) {
        reply_subcommand_syntax(c);
        return;
    }
    struct name_list l = {c, c->argc == 3 ? &c->argv[2] : NULL, BUF_INIT, 0};
    pubsub_foreach(kind, collect_name, &l);
    reply_array(c, l.n);
    if (l.names.len)
        reply_raw(c, l.names.data, l.names.len);
    buf_free(&l.names);
}

static void numsub(struct client *c, int kind)
{
    reply_array(c, (long long)(c->argc - 2) * 2);
    for (int i = 2; i < c->argc; i++) {
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_int(c, pubsub_numsub(kind, c->argv[i].ptr, c->argv[i].len));
    }
}

static void pubsub_channels_cmd(struct client *c)
{
    channel_list(c, PUBSUB_CHANNEL);
}

static void pubsub_shardchannels_cmd(struct client *c)
{
    channel_list(c, PUBSUB_SHARD);
}

static void pubsub_numsub_cmd(struct client *c)
{
    numsub(c, PUBSUB_CHANNEL);
}

static void pubsub_shardnumsub_cmd(struct client *c)
{
    numsub(c, PUBSUB_SHARD);
}

static void pubsub_numpat_cmd(struct client *c)
{
    /* Distinct patterns, whatever the number of clients on each. */
    reply_int(c, pubsub_count(PUBSUB_PATTERN));
}

static void pubsub_help_cmd(struct client *c)
{
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: "
        "'*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    reply_array(c, (long long)ARRAY_SIZE(lines));
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        reply_simple(c, lines[i]);
}

/* ---- the table ---- */

#define SUB_FLAGS   (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define PUB_FLAGS   (CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST)
#define INTRO_FLAGS (CMD_PUBSUB | CMD_LOADING | CMD_STALE)

static struct command pubsub_subcommands[] = {
    {.name = "pubsub|channels",
     .proc = pubsub_channels_cmd,
     .arity = -2,
     .flags = INTRO_FLAGS,
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "List active channels",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                   "pattern matching (relatively short channels and patterns)",
     .args = "[pattern:pattern]"},
    {.name = "pubsub|numpat",
     .proc = pubsub_numpat_cmd,
     .arity = 2,
     .flags = INTRO_FLAGS,
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "Get the count of unique patterns pattern subscriptions",
     .complexity = "O(1)"},
    {.name = "pubsub|numsub",
     .proc = pubsub_numsub_cmd,
     .arity = -2,
     .flags = INTRO_FLAGS,
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "Get the count of subscribers for channels",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .args = "[channel:string...]"},
    {.name = "pubsub|help",
     .proc = pubsub_help_cmd,
     .arity = 2,
     .flags = CMD_LOADING | CMD_STALE,
     .group = "pubsub",
     .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "pubsub|shardchannels",
     .proc = pubsub_shardchannels_cmd,
     .arity = -2,
     .flags = INTRO_FLAGS,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "List active shard channels",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                   "time pattern matching (relatively short shard channels).",
     .args = "[pattern:pattern]"},
    {.name = "pubsub|shardnumsub",
     .proc = pubsub_shardnumsub_cmd,
     .arity = -2,
     .flags = INTRO_FLAGS,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Get the count of subscribers for shard channels",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                   "shard channels",
     .args = "[shardchannel:string...]"},
    {.name = NULL},
};

struct command pubsub_commands[] = {
    {.name = "subscribe",
     .proc = subscribe_cmd,
     .arity = -2,
     .flags = SUB_FLAGS,
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Listen for messages published to the given channels",
     .complexity = "O(N) where N is the number of channels to subscribe to.",
     .args = "channel:string..."},
    {.name = "unsubscribe",
     .proc = unsubscribe_cmd,
     .arity = -1,
     .flags = SUB_FLAGS,
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Stop listening for messages posted to the given channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
     .args = "[channel:string...]"},
    {.name = "psubscribe",
     .proc = psubscribe_cmd,
     .arity = -2,
     .flags = SUB_FLAGS,
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Listen for messages published to channels matching the given patterns",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .args = "pattern:pattern..."},
    {.name = "punsubscribe",
     .proc = punsubscribe_cmd,
     .arity = -1,
     .flags = SUB_FLAGS,
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Stop listening for messages posted to channels matching the given patterns",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed "
                   "and M is the number of total patterns subscribed in the system (by any "
                   "client).",
     .args = "[pattern:pattern...]"},
    {.name = "ssubscribe",
     .proc = ssubscribe_cmd,
     .arity = -2,
     .flags = SUB_FLAGS,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Listen for messages published to the given shard channels",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .args = "shardchannel:string..."},
    {.name = "sunsubscribe",
     .proc = sunsubscribe_cmd,
     .arity = -1,
     .flags = SUB_FLAGS,
     .first_key = 1,
     .last_key = -1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Stop listening for messages posted to the given shard channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard "
                   "channel.",
     .args = "[shardchannel:string...]"},
    {.name = "publish",
     .proc = publish_cmd,
     .arity = 3,
     .flags = PUB_FLAGS,
     .group = "pubsub",
     .since = "2.0.0",
     .summary = "Post a message to a channel",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel "
                   "and M is the total number of subscribed patterns (by any client).",
     .args = "channel:string message:string"},
    {.name = "spublish",
     .proc = spublish_cmd,
     .arity = 3,
     .flags = PUB_FLAGS,
     .first_key = 1,
     .last_key = 1,
     .key_step = 1,
     .group = "pubsub",
     .since = "7.0.0",
     .summary = "Post a message to a shard channel",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                   "channel.",
     .args = "shardchannel:string message:string"},
    {.name = "pubsub",
     .proc = pubsub_cmd,
     .arity = -2,
     .flags = 0,
     .group = "pubsub",
     .since = "2.8.0",
     .summary = "A container for Pub/Sub commands",
     .complexity = "Depends on subcommand.",
     .subcommands = pubsub_subcommands},
    {.name = NULL},
};
