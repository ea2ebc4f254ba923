/* blocking: clients blocked on list keys (see blocking.h). */
#include "blocking.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "command.h"
#include "db.h"
#include "dict.h"
#include "object.h"
#include "reply.h"
#include "server_state.h"
#include "util/util.h"

struct bpop_state {
    int registered;
    int timed_out;
    int db;
    int64_t deadline_ms; /* 0: forever */
    int nkeys;
    struct rstr **wkeys; /* the waiting-table keys: db (4 bytes) + key */
};

/* FIFO of the clients waiting on one key. */
struct waitq {
    struct client **v;
    size_t n, cap;
};

static struct dict *waiting; /* wkey -> struct waitq* */
static struct dict *ready;   /* wkey -> NULL: keys signalled since the last run */
static struct rstr **ready_list;
static size_t nready, ready_cap;
static struct client **blocked; /* every registered client */
static size_t nblocked, blocked_cap;

static struct rstr *make_wkey(int db, const char *key, size_t klen)
{
    char small[256];
    char *tmp = klen + 4 <= sizeof(small) ? small : xmalloc(klen + 4);
    uint32_t d = (uint32_t)db;
    memcpy(tmp, &d, 4);
    memcpy(tmp + 4, key, klen);
    struct rstr *w = rstr_new(tmp, klen + 4);
    if (tmp != small)
        free(tmp);
    return w;
}

static void free_waitq(void *p)
{
    struct waitq *q = p;
    if (q) {
        free(q->v);
        free(q);
    }
}

static void on_key(struct db *db, const char *key, size_t klen)
{
    if (!waiting || dict_size(waiting) == 0 || !db || !key)
        return;
    struct rstr *w = make_wkey(db->id, key, klen);
    if (dict_find(waiting, w->data, w->len)) {
        int created;
        dict_add_or_find(ready, w->data, w->len, &created);
        if (created) {
            if (nready == ready_cap) {
                ready_cap = ready_cap ? ready_cap * 2 : 16;
                ready_list = xrealloc(ready_list, ready_cap * sizeof(*ready_list));
            }
            ready_list[nready++] = w;
            return;
        }
    }
    rstr_free(w);
}

void blocking_init(void)
{
    if (waiting)
        return;
    waiting = dict_create(free_waitq);
    ready = dict_create(NULL);
    server_add_key_listener(on_key);
}

int blocking_parse_timeout(struct client *c, const struct resp_arg *a, int64_t *deadline_ms)
{
    long double secs;
    if (str_to_ld(a->ptr, a->len, &secs) != 0) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    long double ms = ceill(secs * 1000.0L);
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    if (c->bpop && c->bpop->registered) {
        *deadline_ms = c->bpop->deadline_ms; /* a re-run keeps its first deadline */
        return 0;
    }
    if (ms == 0) {
        *deadline_ms = 0;
        return 0;
    }
    int64_t now = server.cmd_now_ms ? server.cmd_now_ms : mstime();
    if (ms > (long double)(INT64_MAX - now)) {
        reply_error(c, "ERR timeout is out of range");
        return -1;
    }
    *deadline_ms = now + (int64_t)ms;
    return 0;
}

static void q_remove(struct waitq *q, struct client *c)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i] == c) {
            memmove(&q->v[i], &q->v[i + 1], (q->n - i - 1) * sizeof(*q->v));
            q->n--;
            return;
        }
    }
}

void blocking_done(struct client *c)
{
    struct bpop_state *b = c->bpop;
    if (!b)
        return;
    if (b->registered) {
        for (int i = 0; i < b->nkeys; i++) {
            struct dict_entry *e = dict_find(waiting, b->wkeys[i]->data, b->wkeys[i]->len);
            if (!e)
                continue;
            struct waitq *q = e->val;
            q_remove(q, c);
            if (q->n == 0)
                dict_delete(waiting, b->wkeys[i]->data, b->wkeys[i]->len);
        }
        for (size_t i = 0; i < nblocked; i++) {
            if (blocked[i] == c) {
                blocked[i] = blocked[--nblocked];
                break;
            }
        }
        server.blocked_clients--;
    }
    for (int i = 0; i < b->nkeys; i++)
        rstr_free(b->wkeys[i]);
    free(b->wkeys);
    free(b);
    c->bpop = NULL;
    c->flags &= ~CLIENT_BLOCKED_KEYS;
}

void blocking_client_free(struct client *c)
{
    blocking_done(c);
}

int blocking_block(struct client *c, const struct resp_arg *keys, int n, int64_t deadline_ms)
{
    if (c->fd < 0 || (c->flags & CLIENT_MULTI) || server.raft_applying || !waiting ||
        (c->bpop && c->bpop->timed_out)) {
        blocking_done(c);
        return 0;
    }
    if (c->bpop && c->bpop->registered) {
        c->bpop_retry = 1; /* still waiting, in its place */
        return 1;
    }
    struct bpop_state *b = xcalloc(1, sizeof(*b));
    b->registered = 1;
    b->db = c->db_index;
    b->deadline_ms = deadline_ms;
    b->wkeys = xmalloc(sizeof(*b->wkeys) * (size_t)n);
    for (int i = 0; i < n; i++) {
        struct rstr *w = make_wkey(c->db_index, keys[i].ptr, keys[i].len);
        int dup = 0;
        for (int j = 0; j < b->nkeys && !dup; j++)
            dup = b->wkeys[j]->len == w->len && memcmp(b->wkeys[j]->data, w->data, w->len) == 0;
        if (dup) {
            rstr_free(w);
            continue;
        }
        b->wkeys[b->nkeys++] = w;
        int created;
        struct dict_entry *e = dict_add_or_find(waiting, w->data, w->len, &created);
        if (created)
            e->val = xcalloc(1, sizeof(struct waitq));
        struct waitq *q = e->val;
        if (q->n == q->cap) {
            q->cap = q->cap ? q->cap * 2 : 4;
            q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
        }
        q->v[q->n++] = c;
    }
    if (nblocked == blocked_cap) {
        blocked_cap = blocked_cap ? blocked_cap * 2 : 16;
        blocked = xrealloc(blocked, blocked_cap * sizeof(*blocked));
    }
    blocked[nblocked++] = c;
    c->bpop = b;
    c->flags |= CLIENT_BLOCKED_KEYS;
    server.blocked_clients++;
    c->bpop_retry = 1;
    return 1;
}

/* The keys a blocking command waits on: BLPOP/BRPOP all but the timeout,
 * BLMOVE/BRPOPLPUSH the source. */
static int blocking_keys(const struct client *c, const struct command *cmd, int *first, int *last)
{
    *first = 1;
    *last = cmd->last_key < 0 ? c->argc + cmd->last_key : 1;
    return *last >= *first;
}

static void reply_timeout(struct client *c, const struct command *cmd)
{
    if (cmd->last_key < 0)
        reply_null_array(c); /* BLPOP, BRPOP */
    else
        reply_null(c); /* BLMOVE, BRPOPLPUSH */
}

int blocking_intercept(struct client *c, const struct command *cmd)
{
    int first, last;
    if (!blocking_keys(c, cmd, &first, &last) || (c->flags & CLIENT_MULTI))
        return RAFT_LOCAL;
    if (c->bpop && c->bpop->timed_out) {
        blocking_done(c);
        reply_timeout(c, cmd);
        return RAFT_TAKEN;
    }
    for (int i = first; i <= last; i++) {
        /* data, or a key of another type (the command answers WRONGTYPE) */
        if (db_peek(c->db, c->argv[i].ptr, c->argv[i].len, mstime())) {
            blocking_done(c);
            return RAFT_LOCAL;
        }
    }
    int64_t deadline;
    if (blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) < 0) {
        blocking_done(c);
        return RAFT_TAKEN; /* answered with the error */
    }
    if (!blocking_block(c, &c->argv[first], last - first + 1, deadline))
        return RAFT_LOCAL;
    c->bpop_retry = 0;
    return RAFT_RETRY;
}

int64_t blocking_next_deadline(void)
{
    int64_t best = 0;
    for (size_t i = 0; i < nblocked; i++) {
        int64_t d = blocked[i]->bpop->deadline_ms;
        if (d && (!best || d < best))
            best = d;
    }
    return best;
}

/* Whether c is still registered (a run of another client cannot free it,
 * but it may have been served or timed out meanwhile). */
static int is_blocked(const struct client *c)
{
    for (size_t i = 0; i < nblocked; i++)
        if (blocked[i] == c)
            return 1;
    return 0;
}

static void run_ready_key(struct rstr *w)
{
    struct dict_entry *e = dict_find(waiting, w->data, w->len);
    if (!e)
        return;
    struct waitq *q = e->val;
    uint32_t db;
    memcpy(&db, w->data, 4);
    if ((int)db >= server.ndbs)
        return;
    /* The waiters as they are now, oldest first: a re-run may change q. */
    size_t n = q->n;
    struct client **snap = xmalloc(n * sizeof(*snap));
    memcpy(snap, q->v, n * sizeof(*snap));
    size_t woken = 0;
    for (size_t i = 0; i < n; i++) {
        struct robj *o = db_peek(server.dbs[db], w->data + 4, w->len - 4, mstime());
        if (!o)
            break;
        /* With Raft a woken waiter only proposes its pop: count the
         * elements the proposals will take.  Without Raft the pop happened
         * and the list shows what is left. */
        if (o->type == OBJ_LIST && server.raft_intercept && woken >= list_len(o))
            break;
        if (!is_blocked(snap[i]))
            continue;
        woken++;
        server.run_client(snap[i]);
    }
    free(snap);
}

void blocking_before_sleep(void)
{
    if (!server.run_client || nblocked == 0) {
        for (size_t i = 0; i < nready; i++)
            rstr_free(ready_list[i]);
        nready = 0;
        if (ready)
            dict_clear(ready);
        return;
    }
    int64_t now = mstime();
    /* Deadlines first: a timed-out client answers null. */
    for (size_t i = 0; i < nblocked;) {
        struct client *c = blocked[i];
        if (c->bpop->deadline_ms && c->bpop->deadline_ms <= now && !c->bpop->timed_out) {
            c->bpop->timed_out = 1;
            server.run_client(c);
            i = 0; /* the array changed */
            continue;
        }
        i++;
    }
    /* Ready keys: the runs may make more keys ready (BLMOVE pushes). */
    for (int round = 0; round < 64 && nready > 0; round++) {
        struct rstr **list = ready_list;
        size_t n = nready;
        ready_list = NULL;
        nready = ready_cap = 0;
        dict_clear(ready);
        for (size_t i = 0; i < n; i++) {
            run_ready_key(list[i]);
            rstr_free(list[i]);
        }
        free(list);
    }
}
