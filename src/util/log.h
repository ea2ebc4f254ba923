/* log: log lines in Redis's format.
 *
 *   <pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level char> <message>
 *
 * with level chars '.' debug, '-' verbose, '*' notice, '#' warning, as
 * redis-server writes them.  Output goes to stdout, or to the file set by
 * log_set_file() (reopened by log_reopen() for logrotate). */
#ifndef RC_LOG_H
#define RC_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3 };

/* Parses "debug" | "verbose" | "notice" | "warning"; returns -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(int level);
void log_set_level(int level);
int log_get_level(void);
/* path "" or NULL means stdout.  Returns 0 or -errno (the old target stays). */
int log_set_file(const char *path);
/* Reopens the current log file (after logrotate moved it). 0 or -errno. */
int log_reopen(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)

#endif
