/* pubsub: who listens to which channel or pattern, and the delivery of
 * published messages, with Redis 7's semantics and reply shapes.
 *
 * Three kinds of subscription, each its own namespace:
 *   PUBSUB_CHANNEL  SUBSCRIBE / UNSUBSCRIBE / PUBLISH       "message"
 *   PUBSUB_PATTERN  PSUBSCRIBE / PUNSUBSCRIBE (glob, case-sensitive, as
 *                   KEYS's matcher)                           "pmessage"
 *   PUBSUB_SHARD    SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH      "smessage"
 * The count in a (un)subscribe confirmation is the client's channels plus
 * patterns for the first two kinds, its shard channels for the third
 * (Redis 7.0's rule).
 *
 * Replies: confirmations and messages are arrays in RESP2 and push
 * messages (>) in RESP3.  A RESP2 client with any subscription is "in
 * subscribed mode" (CLIENT_PUBSUB): the executor then refuses every command
 * but those pubsub_allowed_when_subscribed() names.
 *
 * Messages are appended to each receiver's reply buffer at once, and each
 * receiver's output is then checked against client-output-buffer-limit
 * (client_check_obuf_limits): a subscriber that does not read is closed
 * instead of growing without bound.
 *
 * Lifetime: client_free() calls pubsub_client_free(), which takes the
 * client out of every channel and pattern, so no PUBLISH can reach a freed
 * client.  Channel and pattern entries exist only while someone listens.
 *
 * Messages are local to this process: with Raft on, PUBLISH is not a write
 * (nothing is logged or replicated) and reaches the subscribers of the node
 * that received it. */
#ifndef RC_PUBSUB_H
#define RC_PUBSUB_H

#include <stddef.h>

#include "client.h"

enum pubsub_kind { PUBSUB_CHANNEL = 0, PUBSUB_PATTERN = 1, PUBSUB_SHARD = 2, PUBSUB_KINDS = 3 };

/* Subscribes c to name (borrowed) and replies with the confirmation; sets
 * CLIENT_PUBSUB.  Subscribing twice is not an error: the confirmation is
 * repeated with an unchanged count.  Returns 1 if c was not subscribed. */
int pubsub_subscribe(struct client *c, int kind, const char *name, size_t len);
/* Unsubscribes c from name; with notify, replies with the confirmation
 * (also when c was not subscribed to it).  Clears CLIENT_PUBSUB when c has
 * no subscription of any kind left.  Returns 1 if c was subscribed. */
int pubsub_unsubscribe(struct client *c, int kind, const char *name, size_t len, int notify);
/* Unsubscribes c from every name of a kind; with notify, one confirmation
 * each, or a single one with a null name when there were none.  Returns
 * how many there were. */
int pubsub_unsubscribe_all(struct client *c, int kind, int notify);
/* RESET: every kind, silently; leaves subscribed mode. */
void pubsub_client_reset(struct client *c);
/* client_free(): as reset, and frees c's subscription state. */
void pubsub_client_free(struct client *c);

/* PUBLISH (shard 0) / SPUBLISH (shard 1): delivers the message to every
 * subscriber of channel and, unless shard, to every client of every
 * matching pattern (one "pmessage" per pattern).  Returns the number of
 * deliveries, as Redis counts receivers. */
long long pubsub_publish(int shard, const char *channel, size_t chlen, const char *msg,
                         size_t msglen);

/* c's subscriptions of a kind (0 when none). */
long long pubsub_client_count(const struct client *c, int kind);
/* Names of a kind that have at least one subscriber (INFO pubsub_channels,
 * pubsub_patterns, pubsubshard_channels; PUBSUB NUMPAT). */
long long pubsub_count(int kind);
/* Subscribers of one name (PUBSUB NUMSUB / SHARDNUMSUB). */
long long pubsub_numsub(int kind, const char *name, size_t len);
/* Calls fn for every name of a kind that has subscribers, in no particular
 * order.  fn must not subscribe or unsubscribe anyone. */
void pubsub_foreach(int kind, void (*fn)(void *ud, const char *name, size_t len), void *ud);

/* Whether a RESP2 client in subscribed mode may run cmd: (P|S)SUBSCRIBE,
 * (P|S)UNSUBSCRIBE, PING, QUIT and RESET. */
int pubsub_allowed_when_subscribed(const struct command *cmd);

#endif
