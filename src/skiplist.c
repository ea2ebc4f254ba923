/* skiplist: sorted sets (see skiplist.h).
 *
 * The classic skiplist (Pugh) with Redis's additions: a backward link on
 * level 0 for reverse walks, and a span on every forward link so the rank
 * of a node is the sum of the spans crossed on the way to it.  Levels are
 * drawn with p = 1/4 up to ZSL_MAX_LEVEL. */
#include "skiplist.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "util/util.h"

int zset_member_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r)
        return r;
    return alen < blen ? -1 : alen > blen;
}

/* Whether (score, m) sorts before node x. */
static int before(double score, const char *m, size_t mlen, const struct zsl_node *x)
{
    if (score != x->score)
        return score < x->score;
    return zset_member_cmp(m, mlen, x->member, x->mlen) < 0;
}

/* Whether node x sorts before (score, m). */
static int node_before(const struct zsl_node *x, double score, const char *m, size_t mlen)
{
    if (x->score != score)
        return x->score < score;
    return zset_member_cmp(x->member, x->mlen, m, mlen) < 0;
}

static struct zsl_node *node_new(int nlevel, double score, const void *m, size_t mlen)
{
    size_t levels = sizeof(struct zsl_level) * (size_t)nlevel;
    struct zsl_node *n = xmalloc(sizeof(*n) + levels + mlen + 1);
    n->score = score;
    n->backward = NULL;
    n->nlevel = nlevel;
    n->member = (char *)n + sizeof(*n) + levels;
    if (mlen)
        memcpy(n->member, m, mlen);
    n->member[mlen] = '\0';
    n->mlen = mlen;
    for (int i = 0; i < nlevel; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    return n;
}

static int random_level(struct zset *z)
{
    /* xorshift64*: two bits per level, so each level is kept with p=1/4 */
    uint64_t x = z->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    z->rng = x;
    uint64_t r = x * 0x2545F4914F6CDD1DULL;
    int level = 1;
    while (level < ZSL_MAX_LEVEL && (r & 3) == 0) {
        level++;
        r >>= 2;
    }
    return level;
}

struct zset *zset_new(void)
{
    struct zset *z = xmalloc(sizeof(*z));
    z->dict = dict_create(NULL);
    z->header = node_new(ZSL_MAX_LEVEL, 0, NULL, 0);
    z->tail = NULL;
    z->length = 0;
    z->level = 1;
    z->rng = 0x9E3779B97F4A7C15ULL;
    return z;
}

void zset_free(struct zset *z)
{
    if (!z)
        return;
    struct zsl_node *n = z->header->level[0].forward;
    while (n) {
        struct zsl_node *next = n->level[0].forward;
        free(n);
        n = next;
    }
    free(z->header);
    dict_free(z->dict);
    free(z);
}

struct zsl_node *zset_find(struct zset *z, const void *m, size_t mlen)
{
    struct dict_entry *e = dict_find(z->dict, m, mlen);
    return e ? e->val : NULL;
}

/* Links node x (its score, member and nlevel set) into the list at its
 * place. */
static void link_existing(struct zset *z, struct zsl_node *x)
{
    struct zsl_node *update[ZSL_MAX_LEVEL];
    size_t rank[ZSL_MAX_LEVEL];
    struct zsl_node *p = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
        while (p->level[i].forward &&
               node_before(p->level[i].forward, x->score, x->member, x->mlen)) {
            rank[i] += p->level[i].span;
            p = p->level[i].forward;
        }
        update[i] = p;
    }
    int level = x->nlevel;
    if (level > z->level) {
        for (int i = z->level; i < level; i++) {
            rank[i] = 0;
            update[i] = z->header;
            update[i]->level[i].span = z->length;
        }
        z->level = level;
    }
    for (int i = 0; i < level; i++) {
        x->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = x;
        x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < z->level; i++)
        update[i]->level[i].span++;
    x->backward = update[0] == z->header ? NULL : update[0];
    if (x->level[0].forward)
        x->level[0].forward->backward = x;
    else
        z->tail = x;
    z->length++;
}

/* Links a new node for (score, m) into the list; returns it. */
static struct zsl_node *link_node(struct zset *z, double score, const void *m, size_t mlen)
{
    struct zsl_node *x = node_new(random_level(z), score, m, mlen);
    link_existing(z, x);
    return x;
}

/* Unlinks x, whose predecessors per level are update[]; does not free. */
static void unlink_node(struct zset *z, struct zsl_node *x, struct zsl_node **update)
{
    for (int i = 0; i < z->level; i++) {
        if (update[i]->level[i].forward == x) {
            update[i]->level[i].span += x->level[i].span - 1;
            update[i]->level[i].forward = x->level[i].forward;
        } else {
            update[i]->level[i].span -= 1;
        }
    }
    if (x->level[0].forward)
        x->level[0].forward->backward = x->backward;
    else
        z->tail = x->backward;
    while (z->level > 1 && z->header->level[z->level - 1].forward == NULL)
        z->level--;
    z->length--;
}

/* Fills update[] with the predecessors of node n on every level. */
static void find_update(struct zset *z, const struct zsl_node *n, struct zsl_node **update)
{
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               node_before(x->level[i].forward, n->score, n->member, n->mlen))
            x = x->level[i].forward;
        update[i] = x;
    }
}

struct zsl_node *zset_insert(struct zset *z, const void *m, size_t mlen, double score)
{
    struct zsl_node *n = link_node(z, score, m, mlen);
    int created;
    struct dict_entry *e = dict_add_or_find(z->dict, m, mlen, &created);
    e->val = n;
    return n;
}

struct zsl_node *zset_update(struct zset *z, struct zsl_node *n, double score)
{
    /* In place when the node keeps its position. */
    struct zsl_node *prev = n->backward, *next = n->level[0].forward;
    if ((!prev || node_before(prev, score, n->member, n->mlen)) &&
        (!next || before(score, n->member, n->mlen, next))) {
        n->score = score;
        return n;
    }
    /* Moves: unlink it and link the same node (same levels) at its new
     * place; the dict keeps pointing at it. */
    struct zsl_node *update[ZSL_MAX_LEVEL];
    find_update(z, n, update);
    unlink_node(z, n, update);
    n->score = score;
    link_existing(z, n);
    return n;
}

static void delete_node(struct zset *z, struct zsl_node *n, struct zsl_node **update)
{
    unlink_node(z, n, update);
    dict_delete(z->dict, n->member, n->mlen);
    free(n);
}

int zset_delete(struct zset *z, const void *m, size_t mlen)
{
    struct zsl_node *n = zset_find(z, m, mlen);
    if (!n)
        return 0;
    struct zsl_node *update[ZSL_MAX_LEVEL];
    find_update(z, n, update);
    delete_node(z, n, update);
    return 1;
}

size_t zset_rank(const struct zset *z, const struct zsl_node *n)
{
    size_t rank = 0;
    const struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               (x->level[i].forward == n ||
                node_before(x->level[i].forward, n->score, n->member, n->mlen))) {
            rank += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x == n)
            return rank - 1;
    }
    return rank - 1; /* not reached for a node of z */
}

struct zsl_node *zset_at(const struct zset *z, size_t rank)
{
    size_t target = rank + 1, traversed = 0;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= target) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == target)
            return x;
    }
    return NULL;
}

/* ---- score ranges ---- */

int zscore_gte_min(double v, const struct zscore_range *r)
{
    return r->minex ? v > r->min : v >= r->min;
}

int zscore_lte_max(double v, const struct zscore_range *r)
{
    return r->maxex ? v < r->max : v <= r->max;
}

static int score_range_empty(const struct zscore_range *r)
{
    return r->min > r->max || (r->min == r->max && (r->minex || r->maxex));
}

struct zsl_node *zset_first_in_score(const struct zset *z, const struct zscore_range *r)
{
    if (score_range_empty(r))
        return NULL;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && !zscore_gte_min(x->level[i].forward->score, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    return x && zscore_lte_max(x->score, r) ? x : NULL;
}

struct zsl_node *zset_last_in_score(const struct zset *z, const struct zscore_range *r)
{
    if (score_range_empty(r))
        return NULL;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward && zscore_lte_max(x->level[i].forward->score, r))
            x = x->level[i].forward;
    return x != z->header && zscore_gte_min(x->score, r) ? x : NULL;
}

/* ---- lex ranges ---- */

int zlex_gte_min(const char *m, size_t mlen, const struct zlex_range *r)
{
    if (r->min_neg_inf)
        return 1;
    if (r->min_pos_inf)
        return 0;
    int c = zset_member_cmp(m, mlen, r->min, r->minlen);
    return r->minex ? c > 0 : c >= 0;
}

int zlex_lte_max(const char *m, size_t mlen, const struct zlex_range *r)
{
    if (r->max_pos_inf)
        return 1;
    if (r->max_neg_inf)
        return 0;
    int c = zset_member_cmp(m, mlen, r->max, r->maxlen);
    return r->maxex ? c < 0 : c <= 0;
}

static int lex_range_empty(const struct zlex_range *r)
{
    if (r->min_pos_inf || r->max_neg_inf)
        return 1;
    if (r->min_neg_inf || r->max_pos_inf)
        return 0;
    int c = zset_member_cmp(r->min, r->minlen, r->max, r->maxlen);
    return c > 0 || (c == 0 && (r->minex || r->maxex));
}

struct zsl_node *zset_first_in_lex(const struct zset *z, const struct zlex_range *r)
{
    if (lex_range_empty(r))
        return NULL;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               !zlex_gte_min(x->level[i].forward->member, x->level[i].forward->mlen, r))
            x = x->level[i].forward;
    x = x->level[0].forward;
    return x && zlex_lte_max(x->member, x->mlen, r) ? x : NULL;
}

struct zsl_node *zset_last_in_lex(const struct zset *z, const struct zlex_range *r)
{
    if (lex_range_empty(r))
        return NULL;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--)
        while (x->level[i].forward &&
               zlex_lte_max(x->level[i].forward->member, x->level[i].forward->mlen, r))
            x = x->level[i].forward;
    return x != z->header && zlex_gte_min(x->member, x->mlen, r) ? x : NULL;
}

/* ---- range deletion ---- */

/* Deletes from the first node after update[0] while keep(node) says it is
 * inside; update[] holds the predecessors of that first node. */
static size_t delete_run(struct zset *z, struct zsl_node **update,
                         int (*inside)(const struct zsl_node *n, const void *arg), const void *arg)
{
    size_t removed = 0;
    struct zsl_node *x = update[0]->level[0].forward;
    while (x && inside(x, arg)) {
        struct zsl_node *next = x->level[0].forward;
        delete_node(z, x, update);
        removed++;
        x = next;
    }
    return removed;
}

static int in_score(const struct zsl_node *n, const void *arg)
{
    return zscore_lte_max(n->score, arg);
}

static int in_lex(const struct zsl_node *n, const void *arg)
{
    return zlex_lte_max(n->member, n->mlen, arg);
}

size_t zset_delete_score_range(struct zset *z, const struct zscore_range *r)
{
    if (score_range_empty(r))
        return 0;
    struct zsl_node *update[ZSL_MAX_LEVEL];
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && !zscore_gte_min(x->level[i].forward->score, r))
            x = x->level[i].forward;
        update[i] = x;
    }
    return delete_run(z, update, in_score, r);
}

size_t zset_delete_lex_range(struct zset *z, const struct zlex_range *r)
{
    if (lex_range_empty(r))
        return 0;
    struct zsl_node *update[ZSL_MAX_LEVEL];
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               !zlex_gte_min(x->level[i].forward->member, x->level[i].forward->mlen, r))
            x = x->level[i].forward;
        update[i] = x;
    }
    return delete_run(z, update, in_lex, r);
}

struct rank_bound {
    size_t left; /* nodes still to delete */
};

static int in_rank(const struct zsl_node *n, const void *arg)
{
    (void)n;
    struct rank_bound *b = (struct rank_bound *)arg;
    if (b->left == 0)
        return 0;
    b->left--;
    return 1;
}

size_t zset_delete_rank_range(struct zset *z, size_t start, size_t end)
{
    struct zsl_node *update[ZSL_MAX_LEVEL];
    size_t traversed = 0;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= start) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    struct rank_bound b = {end - start + 1};
    return delete_run(z, update, in_rank, &b);
}

size_t zset_mem_usage(const struct zset *z)
{
    size_t total = sizeof(*z) + dict_mem_usage(z->dict) + malloc_usable_size(z->header);
    /* Node sizes vary with their level; count them all up to a bound, then
     * extrapolate (MEMORY USAGE stays cheap on a huge set). */
    size_t sampled = 0, bytes = 0;
    for (struct zsl_node *n = zset_first(z); n && sampled < 1024; n = zset_next(n), sampled++)
        bytes += malloc_usable_size(n);
    if (sampled)
        total += (size_t)((double)bytes / (double)sampled * (double)z->length);
    return total;
}
