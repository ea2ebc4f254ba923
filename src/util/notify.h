/* notify: the systemd readiness protocol (sd_notify) without libsystemd.
 * When NOTIFY_SOCKET is set (Type=notify services), sends a datagram such as
 * "READY=1" to it; otherwise does nothing.  Returns 0, or -errno. */
#ifndef RC_NOTIFY_H
#define RC_NOTIFY_H

int notify_send(const char *state);

#endif
