/* pubsub: subscriptions and message delivery (see pubsub.h).
 *
 * Two views of the same facts, always kept in step:
 *   registry[kind]: name -> the set of its subscribers, a dict keyed by
 *                   the client id (8 bytes) whose value is the client;
 *   c->pubsub:      per client and kind, the set of names it listens to.
 * A set is a dict so that subscribing, unsubscribing and a client leaving
 * cost O(1) per name however many clients share a channel.  A name leaves
 * the registry with its last subscriber (PUBSUB CHANNELS shows only live
 * channels, and a client cycling through random names cannot grow it), and
 * a registry dict that becomes empty is freed. */
#include "pubsub.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "dict.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

struct pubsub_client {
    struct dict *names[PUBSUB_KINDS]; /* name -> NULL; created on first use */
};

static struct dict *registry[PUBSUB_KINDS];

static const char *const subscribe_word[PUBSUB_KINDS] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *const unsubscribe_word[PUBSUB_KINDS] = {"unsubscribe", "punsubscribe",
                                                           "sunsubscribe"};

static void free_subscribers(void *subs)
{
    dict_free(subs);
}

long long pubsub_client_count(const struct client *c, int kind)
{
    if (!c->pubsub || !c->pubsub->names[kind])
        return 0;
    return (long long)dict_size(c->pubsub->names[kind]);
}

static long long total_count(const struct client *c)
{
    return pubsub_client_count(c, PUBSUB_CHANNEL) + pubsub_client_count(c, PUBSUB_PATTERN) +
           pubsub_client_count(c, PUBSUB_SHARD);
}

/* The count a confirmation reports (Redis 7.0): shard channels apart. */
static long long confirm_count(const struct client *c, int kind)
{
    if (kind == PUBSUB_SHARD)
        return pubsub_client_count(c, PUBSUB_SHARD);
    return pubsub_client_count(c, PUBSUB_CHANNEL) + pubsub_client_count(c, PUBSUB_PATTERN);
}

/* The header of a pub/sub array: a push message in RESP3. */
static void push_len(struct client *c, int n)
{
    char h[4] = {c->resp >= 3 ? '>' : '*', (char)('0' + n), '\r', '\n'};
    reply_raw(c, h, sizeof(h));
}

/* [word, name or null, count] */
static void confirm(struct client *c, const char *word, const char *name, size_t len,
                    long long count)
{
    push_len(c, 3);
    reply_bulk_cstr(c, word);
    if (name)
        reply_bulk(c, name, len);
    else
        reply_null(c);
    reply_int(c, count);
}

static void update_mode(struct client *c)
{
    if (total_count(c) == 0)
        c->flags &= ~CLIENT_PUBSUB;
}

int pubsub_subscribe(struct client *c, int kind, const char *name, size_t len)
{
    if (!c->pubsub)
        c->pubsub = xcalloc(1, sizeof(*c->pubsub));
    struct dict **mine = &c->pubsub->names[kind];
    if (!*mine)
        *mine = dict_create(NULL);
    int created;
    dict_add_or_find(*mine, name, len, &created);
    if (created) {
        if (!registry[kind])
            registry[kind] = dict_create(free_subscribers);
        int fresh;
        struct dict_entry *e = dict_add_or_find(registry[kind], name, len, &fresh);
        if (fresh)
            e->val = dict_create(NULL);
        dict_set(e->val, &c->id, sizeof(c->id), c);
    }
    c->flags |= CLIENT_PUBSUB;
    confirm(c, subscribe_word[kind], name, len, confirm_count(c, kind));
    return created;
}

/* Takes c out of name's subscribers (c's own set is the caller's). */
static void registry_drop(struct client *c, int kind, const char *name, size_t len)
{
    struct dict_entry *e = registry[kind] ? dict_find(registry[kind], name, len) : NULL;
    /* The two views agree: c listed name, so name lists c. */
    assert(e != NULL);
    struct dict *subs = e->val;
    dict_delete(subs, &c->id, sizeof(c->id));
    if (dict_size(subs) == 0) {
        dict_delete(registry[kind], name, len);
        if (dict_size(registry[kind]) == 0) {
            dict_free(registry[kind]);
            registry[kind] = NULL;
        }
    }
}

int pubsub_unsubscribe(struct client *c, int kind, const char *name, size_t len, int notify)
{
    int was = 0;
    struct dict *mine = c->pubsub ? c->pubsub->names[kind] : NULL;
    if (mine && dict_find(mine, name, len)) {
        registry_drop(c, kind, name, len);
        dict_delete(mine, name, len);
        was = 1;
    }
    if (notify)
        confirm(c, unsubscribe_word[kind], name, len, confirm_count(c, kind));
    update_mode(c);
    return was;
}

int pubsub_unsubscribe_all(struct client *c, int kind, int notify)
{
    struct dict *mine = c->pubsub ? c->pubsub->names[kind] : NULL;
    int count = 0;
    if (mine && dict_size(mine) > 0) {
        struct dict_iter it;
        struct dict_entry *e;
        dict_iter_init(&it, mine);
        while ((e = dict_next(&it)) != NULL) {
            registry_drop(c, kind, e->key, e->klen);
            /* The confirmation counts what is left once this one is gone;
             * it is written before the entry (holding the name) is freed. */
            if (notify)
                confirm(c, unsubscribe_word[kind], e->key, e->klen, confirm_count(c, kind) - 1);
            dict_delete(mine, e->key, e->klen);
            count++;
        }
        dict_iter_release(&it);
    }
    if (notify && count == 0)
        confirm(c, unsubscribe_word[kind], NULL, 0, confirm_count(c, kind));
    update_mode(c);
    return count;
}

void pubsub_client_reset(struct client *c)
{
    if (c->pubsub)
        for (int k = 0; k < PUBSUB_KINDS; k++)
            pubsub_unsubscribe_all(c, k, 0);
    c->flags &= ~CLIENT_PUBSUB;
}

void pubsub_client_free(struct client *c)
{
    if (!c->pubsub)
        return;
    pubsub_client_reset(c);
    for (int k = 0; k < PUBSUB_KINDS; k++)
        dict_free(c->pubsub->names[k]);
    free(c->pubsub);
    c->pubsub = NULL;
}

/* Appends one message (n bulks) to c and applies its output limits. */
static void deliver(struct client *c, int n, const char *const *part, const size_t *len,
                    int64_t now)
{
    /* A client on its way out gets nothing more (Redis: no output after
     * QUIT or once closing). */
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY))
        return;
    push_len(c, n);
    for (int i = 0; i < n; i++)
        reply_bulk(c, part[i], len[i]);
    client_check_obuf_limits(c, now);
}

/* Delivers to every client of subs; returns how many. */
static long long deliver_all(struct dict *subs, int n, const char *const *part, const size_t *len,
                             int64_t now)
{
    long long count = 0;
    struct dict_iter it;
    struct dict_entry *e;
    /* Delivery never (un)subscribes anyone nor frees a client (one over
     * its limits is only marked), so the sets hold still meanwhile. */
    dict_iter_init(&it, subs);
    while ((e = dict_next(&it)) != NULL) {
        deliver(e->val, n, part, len, now);
        count++;
    }
    dict_iter_release(&it);
    return count;
}

long long pubsub_publish(int shard, const char *channel, size_t chlen, const char *msg,
                         size_t msglen)
{
    int kind = shard ? PUBSUB_SHARD : PUBSUB_CHANNEL;
    int64_t now = server.cmd_now_ms ? server.cmd_now_ms : mstime();
    long long receivers = 0;

    struct dict_entry *e = registry[kind] ? dict_find(registry[kind], channel, chlen) : NULL;
    if (e) {
        const char *part[3] = {shard ? "smessage" : "message", channel, msg};
        size_t len[3] = {strlen(part[0]), chlen, msglen};
        receivers += deliver_all(e->val, 3, part, len, now);
    }
    /* Shard channels know no patterns. */
    if (shard || !registry[PUBSUB_PATTERN])
        return receivers;
    struct dict_iter it;
    dict_iter_init(&it, registry[PUBSUB_PATTERN]);
    while ((e = dict_next(&it)) != NULL) {
        if (!glob_match(e->key, e->klen, channel, chlen, 0))
            continue;
        const char *part[4] = {"pmessage", e->key, channel, msg};
        size_t len[4] = {8, e->klen, chlen, msglen};
        receivers += deliver_all(e->val, 4, part, len, now);
    }
    dict_iter_release(&it);
    return receivers;
}

long long pubsub_count(int kind)
{
    return registry[kind] ? (long long)dict_size(registry[kind]) : 0;
}

long long pubsub_numsub(int kind, const char *name, size_t len)
{
    struct dict_entry *e = registry[kind] ? dict_find(registry[kind], name, len) : NULL;
    return e ? (long long)dict_size(e->val) : 0;
}

void pubsub_foreach(int kind, void (*fn)(void *ud, const char *name, size_t len), void *ud)
{
    if (!registry[kind])
        return;
    struct dict_iter it;
    struct dict_entry *e;
    dict_iter_init(&it, registry[kind]);
    while ((e = dict_next(&it)) != NULL)
        fn(ud, e->key, e->klen);
    dict_iter_release(&it);
}

int pubsub_allowed_when_subscribed(const struct command *cmd)
{
    static const char *const allowed[] = {
        "subscribe",    "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
        "sunsubscribe", "ping",       "quit",       "reset",
    };
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        if (strcmp(cmd->name, allowed[i]) == 0)
            return 1;
    return 0;
}
