/* client: creation and destruction of the per-connection state. */
#include "client.h"

#include <stdlib.h>
#include <string.h>

#include "blocking.h"
#include "multi.h"
#include "server_state.h"
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
