/* skiplist: the sorted set structure (OBJ_ZSET values).
 *
 * A skiplist ordered by (score, member) whose forward links carry spans
 * (how many nodes a link skips), so rank, access by rank and ranges by
 * score or by member (lex) are O(log n); plus a dict member -> node for
 * O(1) ZSCORE and membership.  Members are binary-safe byte strings,
 * ordered by memcmp with the shorter first on a common prefix (Redis's
 * sdscmp).  Scores are doubles, never NaN (the command layer refuses NaN).
 *
 * Pure data structure: no server state; the command layer is
 * commands/zset.c.  Ranks here are 0-based. */
#ifndef RC_SKIPLIST_H
#define RC_SKIPLIST_H

#include <stddef.h>
#include <stdint.h>

#define ZSL_MAX_LEVEL 32

struct zsl_node {
    double score;
    struct zsl_node *backward; /* previous node, NULL for the first */
    char *member;              /* mlen bytes + NUL, inside this allocation */
    size_t mlen;
    int nlevel;
    struct zsl_level {
        struct zsl_node *forward;
        size_t span; /* nodes between this one and forward, forward counted */
    } level[];
};

struct dict;

struct zset {
    struct dict *dict; /* member -> struct zsl_node* */
    struct zsl_node *header, *tail;
    size_t length;
    int level;
    uint64_t rng; /* level generator state */
};

/* A score interval: [min, max] with either end exclusive. */
struct zscore_range {
    double min, max;
    int minex, maxex;
};

/* A member interval for BYLEX: min/max bytes, exclusive or not, or the
 * open ends "-" (neg_inf on min) and "+" (pos_inf on max). */
struct zlex_range {
    const char *min, *max;
    size_t minlen, maxlen;
    int minex, maxex;
    int min_neg_inf, min_pos_inf, max_neg_inf, max_pos_inf;
};

struct zset *zset_new(void);
void zset_free(struct zset *z); /* accepts NULL */
static inline size_t zset_len(const struct zset *z)
{
    return z->length;
}

/* The node of member m, or NULL. */
struct zsl_node *zset_find(struct zset *z, const void *m, size_t mlen);
/* Inserts member m (which must not be present) with score; returns its
 * node. */
struct zsl_node *zset_insert(struct zset *z, const void *m, size_t mlen, double score);
/* Changes the score of node n (of z); returns n (it stays the same node,
 * moved to its new place if the order changed). */
struct zsl_node *zset_update(struct zset *z, struct zsl_node *n, double score);
/* Removes member m; returns 1 if it was there. */
int zset_delete(struct zset *z, const void *m, size_t mlen);

/* 0-based rank of node n (from the lowest score). */
size_t zset_rank(const struct zset *z, const struct zsl_node *n);
/* The node at 0-based rank r (r < length). */
struct zsl_node *zset_at(const struct zset *z, size_t rank);
static inline struct zsl_node *zset_first(const struct zset *z)
{
    return z->header->level[0].forward;
}
static inline struct zsl_node *zset_last(const struct zset *z)
{
    return z->tail;
}
static inline struct zsl_node *zset_next(const struct zsl_node *n)
{
    return n->level[0].forward;
}
static inline struct zsl_node *zset_prev(const struct zsl_node *n)
{
    return n->backward;
}

/* Ranges: the first / last node inside, or NULL when none is. */
struct zsl_node *zset_first_in_score(const struct zset *z, const struct zscore_range *r);
struct zsl_node *zset_last_in_score(const struct zset *z, const struct zscore_range *r);
struct zsl_node *zset_first_in_lex(const struct zset *z, const struct zlex_range *r);
struct zsl_node *zset_last_in_lex(const struct zset *z, const struct zlex_range *r);
int zscore_gte_min(double v, const struct zscore_range *r);
int zscore_lte_max(double v, const struct zscore_range *r);
int zlex_gte_min(const char *m, size_t mlen, const struct zlex_range *r);
int zlex_lte_max(const char *m, size_t mlen, const struct zlex_range *r);

/* Deletes the nodes of a range; returns how many. */
size_t zset_delete_score_range(struct zset *z, const struct zscore_range *r);
size_t zset_delete_lex_range(struct zset *z, const struct zlex_range *r);
/* Deletes ranks [start, end] (0-based, inclusive, end < length). */
size_t zset_delete_rank_range(struct zset *z, size_t start, size_t end);

/* Member order (memcmp, shorter first on a common prefix). */
int zset_member_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Approximate bytes used, for MEMORY USAGE. */
size_t zset_mem_usage(const struct zset *z);

#endif
