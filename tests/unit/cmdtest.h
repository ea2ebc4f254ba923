/* cmdtest: helpers for unit tests of command handlers.
 *
 *   cmdtest_setup();                       // config defaults, server state
 *   struct client *c = cmdtest_client();   // fake client, fd -1
 *   const char *r = cmdtest_run(c, "SET", "k", "v", NULL);
 *   assert_string_equal(r, "+OK\r\n");
 *   r = cmdtest_runv(c, argc, argv, lens); // binary-safe form
 *   cmdtest_set_time(ms);                  // fixes server.cmd_now_ms
 *   cmdtest_teardown();
 *
 * cmdtest_run returns the reply bytes the command produced (NUL-terminated,
 * valid until the next call); binary replies: cmdtest_last_len().
 * cmdtest_propagated() returns the RESP-encoded effects propagated by the
 * last command (what the AOF will log), "" if none. */
#ifndef RC_CMDTEST_H
#define RC_CMDTEST_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

void cmdtest_setup(void);
void cmdtest_teardown(void);
struct client *cmdtest_client(void);
const char *cmdtest_run(struct client *c, ...) __attribute__((sentinel));
const char *cmdtest_runv(struct client *c, int argc, const char **argv, const size_t *lens);
size_t cmdtest_last_len(void);
void cmdtest_set_time(int64_t ms); /* 0: use the real clock */
const char *cmdtest_propagated(void);

#endif
