/* log: Redis-format log lines (see log.h).
 *
 * Every line is formatted into one stack buffer and written with a single
 * write(2): with O_APPEND that keeps lines whole even if another process
 * (or a forked child) writes to the same file, and no stdio buffer can hold
 * a line back when the process aborts right after logging it (xmalloc's OOM
 * path logs and then aborts). */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Longer messages are truncated (Redis uses 1024; we allow more so that
 * a long configuration error or a client description fits). */
#define LOG_MAX_MSG 8192

static int log_level = LOG_NOTICE;
static int log_fd = STDOUT_FILENO;
static char *log_path; /* NULL when logging to stdout */

static const char *const level_names[] = {"debug", "verbose", "notice", "warning"};

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    }
    return -1;
}

const char *log_level_name(int level)
{
    if (level < LOG_DEBUG || level > LOG_WARNING)
        return "unknown";
    return level_names[level];
}

void log_set_level(int level)
{
    if (level < LOG_DEBUG)
        level = LOG_DEBUG;
    if (level > LOG_WARNING)
        level = LOG_WARNING;
    log_level = level;
}

int log_get_level(void)
{
    return log_level;
}

static int open_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    return fd;
}

int log_set_file(const char *path)
{
    if (path == NULL || path[0] == '\0') {
        if (log_fd != STDOUT_FILENO)
            close(log_fd);
        log_fd = STDOUT_FILENO;
        free(log_path);
        log_path = NULL;
        return 0;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return -ENOMEM;
    int fd = open_log(path);
    if (fd < 0) {
        free(copy);
        return fd;
    }
    if (log_fd != STDOUT_FILENO)
        close(log_fd);
    log_fd = fd;
    free(log_path);
    log_path = copy;
    return 0;
}

int log_reopen(void)
{
    if (log_path == NULL)
        return 0;
    int fd = open_log(log_path);
    if (fd < 0)
        return fd;
    /* Swap only after the new file is open so no line is lost if it fails. */
    if (log_fd != STDOUT_FILENO)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char level_chars[] = ".-*#";
    char line[LOG_MAX_MSG + 128];
    struct timeval tv;
    struct tm tm;
    size_t off;
    int n;

    if (level < log_level)
        return;
    if (level < LOG_DEBUG)
        level = LOG_DEBUG;
    if (level > LOG_WARNING)
        level = LOG_WARNING;

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%d:M ", (int)getpid());
    off = (size_t)n;
    off += strftime(line + off, sizeof(line) - off, "%d %b %Y %H:%M:%S.", &tm);
    n = snprintf(line + off, sizeof(line) - off, "%03d %c ", (int)(tv.tv_usec / 1000),
                 level_chars[level]);
    off += (size_t)n;

    /* The header is well under 128 bytes, so the message gets LOG_MAX_MSG. */
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(line + off, LOG_MAX_MSG, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n >= LOG_MAX_MSG)
        n = LOG_MAX_MSG - 1; /* truncated */
    off += (size_t)n;
    line[off++] = '\n';

    const char *p = line;
    size_t left = off;
    while (left > 0) {
        ssize_t w = write(log_fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere to report a logging failure */
        }
        p += w;
        left -= (size_t)w;
    }
}
