/* client: creation and destruction of the per-connection state. */
#include "client.h"

#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "multi.h"
#include "pubsub.h"
#include "server_state.h"
#include "util/log.h"
#include "util/util.h"

struct client *client_create(int fd)
{
    struct client *c = xcalloc(1, sizeof(*c));
    c->id = server.next_client_id++;
    c->fd = fd;
    c->resp = 2;
    c->authenticated = !(server.cfg && server.cfg->requirepass && server.cfg->requirepass[0]);
    c->db_index = 0;
    c->db = server.dbs ? server.dbs[0] : NULL;
    c->ctime_ms = c->last_io_ms = mstime();
    buf_init(&c->query);
    buf_init(&c->reply);
    buf_init(&c->prop);
    resp_parser_init(&c->parser);
    if (server.cfg)
        c->parser.max_bulk_len = server.cfg->proto_max_bulk_len;
    return c;
}

void client_free(struct client *c)
{
    if (!c)
        return;
    multi_client_free(c);    /* its watched keys point back at it */
    blocking_client_free(c); /* so do the keys it waits on */
    /* Out of every channel and pattern first: no PUBLISH may reach it. */
    pubsub_client_free(c);
    buf_free(&c->query);
    buf_free(&c->reply);
    buf_free(&c->prop);
    resp_parser_free(&c->parser);
    free(c->name);
    free(c->lib_name);
    free(c->lib_ver);
    free(c);
}

int client_select_db(struct client *c, int idx)
{
    if (idx < 0 || idx >= server.ndbs)
        return -1;
    c->db_index = idx;
    c->db = server.dbs[idx];
    return 0;
}

int client_check_obuf_limits(struct client *c, int64_t now_ms)
{
    if (!server.cfg || (c->flags & CLIENT_CLOSE_ASAP))
        return 0;
    /* A subscriber is of the pubsub class in RESP3 too, as in Redis. */
    int cls = (c->flags & CLIENT_PUBSUB) ? OBUF_PUBSUB : OBUF_NORMAL;
    const struct obuf_limit *l = &server.cfg->obuf_limits[cls];
    long long used = (long long)client_pending_reply(c);
    int hard = l->hard > 0 && used >= l->hard;
    int soft = l->soft > 0 && used >= l->soft;

    /* The soft limit tolerates a burst: only output that stays over it for
     * more than soft_seconds closes the client (a check while it is over
     * starts or continues the clock, one under it stops it). */
    if (soft) {
        if (c->obuf_soft_since_ms == 0) {
            c->obuf_soft_since_ms = now_ms;
            soft = 0;
        } else if (now_ms - c->obuf_soft_since_ms <= l->soft_seconds * 1000) {
            soft = 0;
        }
    } else {
        c->obuf_soft_since_ms = 0;
    }
    if (!hard && !soft)
        return 0;
    log_warning("Client id=%llu addr=%s laddr=%s fd=%d name=%s omem=%lld sub=%lld psub=%lld "
                "ssub=%lld scheduled to be closed ASAP for overcoming of output buffer limits.",
                (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "", used,
                pubsub_client_count(c, PUBSUB_CHANNEL), pubsub_client_count(c, PUBSUB_PATTERN),
                pubsub_client_count(c, PUBSUB_SHARD));
    server.stat_client_obuf_limit_disconnections++;
    c->flags |= CLIENT_CLOSE_ASAP;
    /* net.c closes it before the loop sleeps, without writing to it. */
    if (!(c->flags & CLIENT_PENDING_WRITE) && server.on_reply)
        server.on_reply(c);
    return 1;
}
