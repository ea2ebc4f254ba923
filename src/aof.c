/* aof: the append-only file (see aof.h for the contract, docs/persistence.md
 * for the format and the guarantees). */
#include "aof.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aof_codec.h"
#include "command.h"
#include "db.h"
#include "object.h"
#include "server_state.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/util.h"

/* A rewrite groups the dataset into frames of about this much payload: big
 * enough that framing costs nothing, small enough to checksum in cache. */
#define REWRITE_FRAME_PAYLOAD (1024 * 1024)
/* The child writes its buffer out when it holds this much. */
#define REWRITE_WRITE_CHUNK (4 * 1024 * 1024)
/* What the rewrite child writes to its pipe once its file is complete. */
#define REWRITE_DONE_BYTE 'K'
/* Hash fields per HSET command in a rewrite. */
#define REWRITE_HASH_BATCH 64
/* Loading: progress is logged (and clients served) every this many bytes. */
#define LOAD_PROGRESS_BYTES (16ull * 1024 * 1024)

enum aof_state { AOF_OFF = 0, AOF_ON = 1, AOF_WAIT_REWRITE = 2 };

static struct {
    int state;
    int fd;
    char *path;
    struct buf buf;       /* frames not yet written to the file */
    uint64_t cur_size;    /* bytes of the file written (offset of the next write) */
    uint64_t synced_size; /* bytes of the file known to be fsynced */
    uint64_t base_size;   /* size after the last rewrite or load */
    int selected_db;      /* db of the stream's last SELECT; -1: select before next */
    uint64_t batch_gen;   /* generation of the batch being built (fsync always) */

    /* errors: errno of the failed write or fsync, 0 when healthy */
    int write_err;
    char misconf[256];
    int64_t last_err_log_ms;

    /* everysec fsync thread */
    pthread_t thread;
    int thread_started;
    int mu_ready; /* mu and cv initialised (once for the process) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int fsync_requested;               /* under mu */
    int thread_stop;                   /* under mu */
    atomic_int fsync_running;          /* the thread is inside fdatasync */
    atomic_int fsync_errno;            /* last background fsync error, 0 if it succeeded */
    atomic_uint_fast64_t fsync_target; /* cur_size when the fsync was requested */
    int64_t last_fsync_ms;
    int64_t postponed_since_ms;
    long long delayed_fsync;

    /* rewrite */
    pid_t child;
    int child_pipe; /* read end: the child writes one byte when its file is complete */
    char *tmp_path;
    struct buf rewrite_buf; /* frames produced since the fork */
    int64_t rewrite_start_ms;
    long long last_rewrite_secs;
    int last_rewrite_ok;
    long long rewrites;
    int rewrite_scheduled;     /* BGREWRITEAOF asked for while enabling */
    int rewrite_failures;      /* consecutive failed rewrites */
    int64_t rewrite_failed_ms; /* when the last one failed */

    /* loading */
    int64_t load_start_ms;
    uint64_t load_total, load_done;
    uint64_t load_truncated_bytes;
} aof = {
    .fd = -1, .selected_db = -1, .child_pipe = -1, .last_rewrite_ok = 1, .last_rewrite_secs = -1};

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* fsyncs the directory holding path, so a rename or create in it survives
 * a crash. */
static int fsync_dir_of(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static int mkdir_p(const char *dir)
{
    char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0750) < 0 && errno != EEXIST) {
                free(p);
                return -errno;
            }
            *s = '/';
        }
    }
    int rc = (mkdir(p, 0750) < 0 && errno != EEXIST) ? -errno : 0;
    free(p);
    return rc;
}

static int write_all(int fd, const char *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (w == 0)
            return -EIO;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* ---- error state ---- */

static const char *deny_write(void)
{
    return aof.write_err ? aof.misconf : NULL;
}

static void set_error(int err, const char *what)
{
    int64_t now = mstime();
    if (!aof.write_err || now - aof.last_err_log_ms > 30000) {
        log_warning("Error %s the AOF file %s: %s. Write commands are refused until it "
                    "succeeds again.",
                    what, aof.path, strerror(err));
        aof.last_err_log_ms = now;
    }
    aof.write_err = err;
    snprintf(aof.misconf, sizeof(aof.misconf), "MISCONF Errors writing to the AOF file: %s",
             strerror(err));
}

static void clear_error(void)
{
    if (aof.write_err) {
        log_warning("AOF write error looks solved, the server can write again.");
        aof.write_err = 0;
    }
}

/* ---- the everysec fsync thread ---- */

static void *fsync_thread(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_mutex_lock(&aof.mu);
    for (;;) {
        while (!aof.fsync_requested && !aof.thread_stop)
            pthread_cond_wait(&aof.cv, &aof.mu);
        if (aof.thread_stop)
            break;
        aof.fsync_requested = 0;
        int fd = aof.fd;
        pthread_mutex_unlock(&aof.mu);
        int err = (fd >= 0 && fdatasync(fd) < 0) ? errno : 0;
        atomic_store(&aof.fsync_errno, err);
        atomic_store(&aof.fsync_running, 0);
        pthread_mutex_lock(&aof.mu);
    }
    pthread_mutex_unlock(&aof.mu);
    return NULL;
}

static void start_fsync_thread(void)
{
    if (aof.thread_started)
        return;
    /* The thread stops and starts again with CONFIG SET appendonly; the
     * mutex may still be in use elsewhere and is initialised only once. */
    if (!aof.mu_ready) {
        pthread_mutex_init(&aof.mu, NULL);
        pthread_cond_init(&aof.cv, NULL);
        aof.mu_ready = 1;
    }
    if (pthread_create(&aof.thread, NULL, fsync_thread, NULL) != 0) {
        log_warning("Can't create the AOF fsync thread");
        abort();
    }
    aof.thread_started = 1;
}

static void stop_fsync_thread(void)
{
    if (!aof.thread_started)
        return;
    pthread_mutex_lock(&aof.mu);
    aof.thread_stop = 1;
    pthread_cond_signal(&aof.cv);
    pthread_mutex_unlock(&aof.mu);
    pthread_join(aof.thread, NULL);
    aof.thread_started = 0;
    aof.thread_stop = 0;
}

static void request_background_fsync(void)
{
    atomic_store(&aof.fsync_running, 1);
    atomic_store(&aof.fsync_target, aof.cur_size);
    pthread_mutex_lock(&aof.mu);
    aof.fsync_requested = 1;
    pthread_cond_signal(&aof.cv);
    pthread_mutex_unlock(&aof.mu);
    aof.last_fsync_ms = mstime();
}

/* Waits for a running background fsync (shutdown, file switch). */
static void wait_background_fsync(void)
{
    while (atomic_load(&aof.fsync_running))
        usleep(1000);
}

/* ---- appending ---- */

/* The batch being built is durable, or nothing needs it to be any more:
 * the replies held for it (client.wait_gen) may go, and the next frames
 * belong to a new batch. */
static void batch_done(void)
{
    server.durable_gen = aof.batch_gen;
    aof.batch_gen++;
}

/* Raft entry mode (aof_entry_begin/end): the effects of one applied entry
 * are collected here and framed once, with the entry's index. */
static int entry_open;
static uint64_t entry_index;
static struct buf entry_payload = BUF_INIT;
static uint64_t last_index; /* Raft index of the last frame loaded or appended */

static void append_frame(uint64_t index, const char *payload, size_t len);

static void propagate(int dbid, const char *resp, size_t len)
{
    if (aof.state == AOF_OFF)
        return;
    if (entry_open) {
        if (dbid != aof.selected_db) {
            char num[24];
            int n = ll_to_str(num, sizeof(num), dbid);
            struct resp_arg sel[2] = {{"SELECT", 6}, {num, (size_t)n}};
            cmd_encode(&entry_payload, 2, sel);
            aof.selected_db = dbid;
        }
        buf_append(&entry_payload, resp, len);
        return;
    }
    struct buf *targets[2];
    int nt = 0;
    if (aof.state == AOF_ON)
        targets[nt++] = &aof.buf;
    if (aof.child > 0 || aof.state == AOF_WAIT_REWRITE)
        targets[nt++] = &aof.rewrite_buf;
    if (nt == 0)
        return;

    struct buf *b = targets[0];
    size_t start = aof_frame_begin(b, AOF_KIND_COMMAND, 0);
    if (dbid != aof.selected_db) {
        char num[24];
        int n = ll_to_str(num, sizeof(num), dbid);
        struct resp_arg sel[2] = {{"SELECT", 6}, {num, (size_t)n}};
        cmd_encode(b, 2, sel);
        aof.selected_db = dbid;
    }
    buf_append(b, resp, len);
    if (aof_frame_finish(b, start) != 0) {
        /* A single effect over 1 GiB cannot be framed; the command
         * limits (proto-max-bulk-len) make this unreachable. */
        log_warning("An AOF frame exceeded the maximum payload; write not logged");
        return;
    }
    if (nt == 2)
        buf_append(targets[1], b->data + start, b->len - start);

    struct client *c = server.current_client;
    /* Only the reply of a write acknowledges it.  A read that deleted an
     * expired key logs a DEL, but its reply promises nothing that needs the
     * disk (replayed without the DEL, the key is expired all the same): it
     * is not held, so reads go on while the disk fails.  EXEC is not a
     * write command but acknowledges its transaction's writes (c->dirty). */
    if (aof.state == AOF_ON && server.cfg->aof_fsync == AOF_FSYNC_ALWAYS && c && c->cmd &&
        ((c->cmd->flags & CMD_WRITE) || c->dirty > 0))
        c->wait_gen = aof.batch_gen;
}

/* Writes the buffer at the end of the file.  Returns 0 or -errno; on error
 * any partial frame is cut off so the file stays a sequence of whole
 * frames, and the bytes stay in the buffer for the next try. */
static int flush_buffer(void)
{
    if (aof.buf.len == 0)
        return 0;
    int rc = write_all(aof.fd, aof.buf.data, aof.buf.len, aof.cur_size);
    if (rc < 0) {
        if (ftruncate(aof.fd, (off_t)aof.cur_size) < 0)
            log_warning("Could not remove a partial AOF write: %s", strerror(errno));
        set_error(-rc, "writing");
        return rc;
    }
    aof.cur_size += aof.buf.len;
    return 0;
}

static void flush_always(void)
{
    if (aof.buf.len == 0) {
        /* Nothing new: a batch whose only effect was refused still
         * completes its generation. */
        batch_done();
        return;
    }
    uint64_t before = aof.cur_size;
    if (flush_buffer() < 0)
        return;
    if (fdatasync(aof.fd) < 0) {
        int err = errno;
        /* After a failed fsync the kernel may have dropped the dirty pages
         * and a later fsync may report success for data that is gone
         * (Linux's "fsyncgate").  So the bytes are written again: cut the
         * file back to what is known durable and keep them in memory. */
        if (ftruncate(aof.fd, (off_t)before) < 0)
            log_warning("Could not cut back the AOF after a failed fsync: %s", strerror(errno));
        aof.cur_size = before;
        set_error(err, "fsyncing");
        return;
    }
    aof.synced_size = aof.cur_size;
    buf_clear(&aof.buf);
    if (aof.buf.cap > 1024 * 1024)
        buf_free(&aof.buf);
    batch_done();
    clear_error();
}

void aof_before_sleep(void)
{
    if (aof.state != AOF_ON)
        return;
    int policy = server.cfg->aof_fsync;
    if (policy == AOF_FSYNC_ALWAYS) {
        flush_always();
        return;
    }
    if (aof.buf.len == 0) {
        /* Replies held under `always` are released once the policy
         * changed (CONFIG SET appendfsync in the same batch): nothing
         * else would ever complete their batch. */
        batch_done();
        return;
    }
    if (policy == AOF_FSYNC_EVERYSEC && atomic_load(&aof.fsync_running)) {
        /* A write(2) now would wait behind the running fsync and stall the
         * loop.  As Redis: postpone for up to 2 seconds, then write
         * anyway (and count it). */
        int64_t now = mstime();
        if (aof.postponed_since_ms == 0) {
            aof.postponed_since_ms = now;
            return;
        }
        if (now - aof.postponed_since_ms < 2000)
            return;
        aof.delayed_fsync++;
        log_notice("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the "
                   "AOF buffer without waiting for fsync to complete, this may slow down "
                   "Redis.");
    }
    aof.postponed_since_ms = 0;
    if (flush_buffer() < 0)
        return;
    buf_clear(&aof.buf);
    if (aof.buf.cap > 1024 * 1024)
        buf_free(&aof.buf);
    batch_done();
    if (atomic_load(&aof.fsync_errno) == 0)
        clear_error();
    if (policy == AOF_FSYNC_EVERYSEC && !atomic_load(&aof.fsync_running) &&
        mstime() - aof.last_fsync_ms >= 1000)
        request_background_fsync();
}

/* ---- rewrite: the child ---- */

struct rw {
    int fd;
    struct buf out;
    size_t frame_start;
    int in_frame;
    uint64_t written;
};

static int rw_flush(struct rw *w)
{
    int rc = write_all(w->fd, w->out.data, w->out.len, w->written);
    if (rc == 0) {
        w->written += w->out.len;
        buf_clear(&w->out);
    }
    return rc;
}

static int rw_end_frame(struct rw *w)
{
    if (!w->in_frame)
        return 0;
    w->in_frame = 0;
    if (aof_frame_finish(&w->out, w->frame_start) != 0)
        return -EFBIG;
    if (w->out.len >= REWRITE_WRITE_CHUNK)
        return rw_flush(w);
    return 0;
}

/* Appends one command to the current frame, starting a new one as needed. */
static int rw_command(struct rw *w, int argc, const struct resp_arg *argv)
{
    if (w->in_frame && w->out.len - w->frame_start > REWRITE_FRAME_PAYLOAD) {
        int rc = rw_end_frame(w);
        if (rc < 0)
            return rc;
    }
    if (!w->in_frame) {
        w->frame_start = aof_frame_begin(&w->out, AOF_KIND_COMMAND, 0);
        w->in_frame = 1;
    }
    cmd_encode(&w->out, argc, argv);
    return 0;
}

static int rw_expire(struct rw *w, struct dict_entry *e, int64_t when)
{
    char num[24];
    int n = ll_to_str(num, sizeof(num), when);
    struct resp_arg a[3] = {{"PEXPIREAT", 9}, {e->key, e->klen}, {num, (size_t)n}};
    return rw_command(w, 3, a);
}

static int rw_key(struct rw *w, struct db *db, struct dict_entry *e, int64_t now)
{
    struct robj *o = e->val;
    int64_t when = -1;
    if (db_expires_size(db) > 0) {
        when = db_get_expire(db, e->key, e->klen);
        if (when >= 0 && when <= now)
            return 0; /* expired: not part of the dataset */
    }
    int rc = 0;
    if (o->type == OBJ_STRING) {
        struct resp_arg a[5] = {
            {"SET", 3}, {e->key, e->klen}, {obj_str_ptr(o), obj_str_len(o)}, {"PXAT", 4}};
        char num[24];
        int argc = 3;
        if (when >= 0) {
            int n = ll_to_str(num, sizeof(num), when);
            a[4].ptr = num;
            a[4].len = (size_t)n;
            argc = 5;
        }
        return rw_command(w, argc, a);
    }
    if (o->type == OBJ_HASH) {
        struct resp_arg a[2 + 2 * REWRITE_HASH_BATCH];
        a[0].ptr = "HSET";
        a[0].len = 4;
        a[1].ptr = e->key;
        a[1].len = e->klen;
        int argc = 2;
        struct hash_iter it;
        const char *f, *v;
        size_t fl, vl;
        hash_iter_init(&it, o);
        while (rc == 0 && hash_iter_next(&it, &f, &fl, &v, &vl)) {
            a[argc].ptr = f;
            a[argc++].len = fl;
            a[argc].ptr = v;
            a[argc++].len = vl;
            if (argc == (int)ARRAY_SIZE(a)) {
                rc = rw_command(w, argc, a);
                argc = 2;
            }
        }
        hash_iter_release(&it);
        if (rc == 0 && argc > 2)
            rc = rw_command(w, argc, a);
        if (rc == 0 && when >= 0)
            rc = rw_expire(w, e, when);
        return rc;
    }
    if (o->type == OBJ_ZSET) {
        /* ZADD score member pairs in batches; scores as %.17g (exact). */
        struct resp_arg a[2 + 2 * REWRITE_HASH_BATCH];
        char scores[REWRITE_HASH_BATCH][32];
        a[0].ptr = "ZADD";
        a[0].len = 4;
        a[1].ptr = e->key;
        a[1].len = e->klen;
        int argc = 2, ns = 0;
        for (struct zsl_node *z = zset_first(o->u.zset); z && rc == 0; z = zset_next(z)) {
            int n = d_to_str(scores[ns], sizeof(scores[ns]), z->score);
            a[argc].ptr = scores[ns++];
            a[argc++].len = (size_t)n;
            a[argc].ptr = z->member;
            a[argc++].len = z->mlen;
            if (argc == (int)ARRAY_SIZE(a)) {
                rc = rw_command(w, argc, a);
                argc = 2;
                ns = 0;
            }
        }
        if (rc == 0 && argc > 2)
            rc = rw_command(w, argc, a);
        if (rc == 0 && when >= 0)
            rc = rw_expire(w, e, when);
        return rc;
    }
    if (o->type == OBJ_SET) {
        struct resp_arg a[2 + REWRITE_HASH_BATCH];
        a[0].ptr = "SADD";
        a[0].len = 4;
        a[1].ptr = e->key;
        a[1].len = e->klen;
        int argc = 2;
        struct dict_iter it;
        dict_iter_init(&it, o->u.set);
        struct dict_entry *m;
        while ((m = dict_next(&it)) != NULL && rc == 0) {
            a[argc].ptr = m->key;
            a[argc++].len = m->klen;
            if (argc == (int)ARRAY_SIZE(a)) {
                rc = rw_command(w, argc, a);
                argc = 2;
            }
        }
        dict_iter_release(&it);
        if (rc == 0 && argc > 2)
            rc = rw_command(w, argc, a);
        if (rc == 0 && when >= 0)
            rc = rw_expire(w, e, when);
        return rc;
    }
    if (o->type == OBJ_LIST) {
        /* RPUSH in batches keeps the order and bounds each command. */
        struct resp_arg a[2 + REWRITE_HASH_BATCH];
        a[0].ptr = "RPUSH";
        a[0].len = 5;
        a[1].ptr = e->key;
        a[1].len = e->klen;
        int argc = 2;
        for (size_t i = 0; i < list_len(o) && rc == 0; i++) {
            const struct rstr *v = list_at(o, i);
            a[argc].ptr = v->data;
            a[argc++].len = v->len;
            if (argc == (int)ARRAY_SIZE(a)) {
                rc = rw_command(w, argc, a);
                argc = 2;
            }
        }
        if (rc == 0 && argc > 2)
            rc = rw_command(w, argc, a);
        if (rc == 0 && when >= 0)
            rc = rw_expire(w, e, when);
        return rc;
    }
    return 0;
}

/* Runs in the forked child: writes the whole dataset to path. */
static int rewrite_child(const char *path, int64_t now)
{
    struct rw w = {.fd = -1};
    int rc = 0;
    w.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (w.fd < 0)
        return -errno;
    struct aof_header h = {.version = AOF_FORMAT_VERSION,
                           .base_index = last_index,
                           .keys = server.ndbs > 0 ? db_size(server.dbs[0]) : 0};
    aof_header_encode(&w.out, &h);
    for (int i = 0; i < server.ndbs && rc == 0; i++) {
        struct db *db = server.dbs[i];
        if (db_size(db) == 0)
            continue;
        char num[24];
        int n = ll_to_str(num, sizeof(num), i);
        struct resp_arg sel[2] = {{"SELECT", 6}, {num, (size_t)n}};
        rc = rw_command(&w, 2, sel);
        struct dict_iter it;
        dict_iter_init(&it, db->keys);
        struct dict_entry *e;
        while (rc == 0 && (e = dict_next(&it)) != NULL)
            rc = rw_key(&w, db, e, now);
        dict_iter_release(&it);
    }
    if (rc == 0)
        rc = rw_end_frame(&w);
    if (rc == 0)
        rc = rw_flush(&w);
    if (rc == 0 && fsync(w.fd) < 0)
        rc = -errno;
    if (close(w.fd) < 0 && rc == 0)
        rc = -errno;
    buf_free(&w.out);
    return rc;
}

/* In the rewrite child: closes every socket it inherited (listeners,
 * clients, Raft peers).  A child that outlived a killed parent would
 * otherwise keep the port bound, and the restarted server could not listen
 * until the rewrite ended. */
static void close_inherited_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int fd = atoi(de->d_name);
        struct stat st;
        if (fd > 2 && fd != dfd && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
            close(fd);
    }
    closedir(d);
}

/* ---- rewrite: the parent ---- */

/* After a failed rewrite, the automatic ones (the growth trigger, the
 * retry of appendonly yes) wait 1 s, then 2, 4 ... up to 60 s between
 * attempts: a cause that persists (no room for the temporary file) must
 * not fork a child at every cron.  BGREWRITEAOF by hand always runs. */
static int rewrite_backing_off(int64_t now)
{
    if (aof.rewrite_failures == 0)
        return 0;
    int shift = aof.rewrite_failures - 1 < 6 ? aof.rewrite_failures - 1 : 6;
    int64_t wait = (int64_t)1000 << shift;
    if (wait > 60000)
        wait = 60000;
    return now - aof.rewrite_failed_ms < wait;
}

int aof_rewrite_in_progress(void)
{
    return aof.child > 0;
}

int aof_rewrite_start(char *err, size_t errlen)
{
    if (aof.child > 0) {
        snprintf(err, errlen, "ERR Background append only file rewriting already in progress");
        return -1;
    }
    if (!aof.path) {
        /* BGREWRITEAOF with the AOF off writes the file all the same, as
         * Redis does. */
        int rc = mkdir_p(server.cfg->aof_dir);
        if (rc < 0) {
            snprintf(err, errlen, "ERR Can't create the AOF directory: %s", strerror(-rc));
            return -1;
        }
        aof.path = path_join(server.cfg->aof_dir, server.cfg->aof_filename);
    }
    char name[64];
    snprintf(name, sizeof(name), "temp-rewriteaof-%ld.aof", (long)getpid());
    free(aof.tmp_path);
    aof.tmp_path = path_join(server.cfg->aof_dir, name);
    int64_t now = mstime();

    /* The child says "done" through a pipe, not through its exit status:
     * the event loop (libev's default loop) reaps every child itself on
     * SIGCHLD, so waitpid() here would never see it. */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "ERR Can't rewrite append only file in background: pipe: %s",
                 strerror(errno));
        return -1;
    }

    /* The child gets a copy-on-write snapshot of memory at this instant;
     * every frame produced from now on is also kept in rewrite_buf and
     * appended to the new file when the child is done.  The next frame
     * must name its db, since the new file's stream starts fresh. */
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "ERR Can't rewrite append only file in background: fork: %s",
                 strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        /* The rewrite is worth nothing without the parent that would
         * finish it: die with it rather than write on for minutes. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        close(pfd[0]);
        close_inherited_sockets();
        int rc = rewrite_child(aof.tmp_path, now);
        if (rc < 0) {
            log_warning("Error writing the rewritten AOF %s: %s", aof.tmp_path, strerror(-rc));
            _exit(1);
        }
        /* The file is complete and fsynced: tell the parent. */
        char done = REWRITE_DONE_BYTE;
        if (write(pfd[1], &done, 1) != 1)
            _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    aof.child_pipe = pfd[0];
    aof.child = pid;
    aof.rewrite_start_ms = now;
    aof.selected_db = -1;
    buf_clear(&aof.rewrite_buf);
    log_notice("Background append only file rewriting started by pid %ld", (long)pid);
    return 0;
}

/* Opens the new file written by the child, appends what happened since the
 * fork, makes it durable and puts it in place of the old one. */
static int rewrite_finish(void)
{
    int fd = open(aof.tmp_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? -errno : 0;
    uint64_t size = rc == 0 ? (uint64_t)st.st_size : 0;
    uint64_t base = size;
    if (rc == 0)
        rc = write_all(fd, aof.rewrite_buf.data, aof.rewrite_buf.len, size);
    if (rc == 0) {
        size += aof.rewrite_buf.len;
        if (fdatasync(fd) < 0)
            rc = -errno;
    }
    if (rc == 0 && rename(aof.tmp_path, aof.path) < 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    int drc = fsync_dir_of(aof.path);
    if (drc < 0)
        log_warning("fsync of the AOF directory failed: %s", strerror(-drc));

    if (aof.state == AOF_OFF) {
        close(fd);
        buf_clear(&aof.rewrite_buf);
        return 0;
    }
    /* The new file is in place and durable: switch to it. */
    wait_background_fsync();
    if (aof.fd >= 0)
        close(aof.fd);
    pthread_mutex_lock(&aof.mu);
    aof.fd = fd;
    pthread_mutex_unlock(&aof.mu);
    aof.cur_size = aof.synced_size = size;
    aof.base_size = base;
    aof.selected_db = -1;
    buf_clear(&aof.rewrite_buf);
    if (aof.rewrite_buf.cap > 1024 * 1024)
        buf_free(&aof.rewrite_buf);
    /* What aof.buf still holds (its write to the old file failed just
     * before) is in the new file already: frames from before the fork are
     * in the child's snapshot, later ones came from rewrite_buf.  Writing
     * them again would apply them twice (INCR) and perhaps in the wrong db
     * (their SELECT belonged to the old stream).  The new file was written
     * and fsynced, so an old write or fsync error no longer stands. */
    buf_clear(&aof.buf);
    atomic_store(&aof.fsync_errno, 0);
    if (aof.state == AOF_ON) {
        batch_done();
        clear_error();
    }
    return 0;
}

static void rewrite_done(int ok)
{
    int64_t now = mstime();
    aof.last_rewrite_secs = (now - aof.rewrite_start_ms) / 1000;
    aof.child = 0;
    if (ok) {
        /* Everything buffered for the old file goes there first, so that
         * the old file is complete up to the switch. */
        if (aof.state == AOF_ON) {
            if (server.cfg->aof_fsync == AOF_FSYNC_ALWAYS)
                flush_always();
            else if (flush_buffer() == 0)
                buf_clear(&aof.buf);
        }
        int rc = rewrite_finish();
        if (rc < 0) {
            log_warning("Background AOF rewrite could not be finished: %s", strerror(-rc));
            ok = 0;
        } else {
            if (aof.state == AOF_WAIT_REWRITE) {
                aof.state = AOF_ON;
                log_notice("AOF enabled: the rewritten file is in place");
            }
            aof.rewrites++;
            log_notice("Background AOF rewrite finished successfully");
        }
    } else {
        log_warning("Background AOF rewrite terminated with error");
    }
    aof.last_rewrite_ok = ok;
    if (ok) {
        aof.rewrite_failures = 0;
    } else {
        aof.rewrite_failures++;
        aof.rewrite_failed_ms = now;
    }
    if (!ok) {
        unlink(aof.tmp_path);
        buf_clear(&aof.rewrite_buf);
        if (aof.state == AOF_WAIT_REWRITE) {
            /* Try again from the cron: appendonly yes stays requested. */
            aof.rewrite_scheduled = 1;
        }
    }
}

/* Reaps the rewrite child if the event loop has not done it yet (then
 * waitpid fails with ECHILD, which is fine). */
static void reap_child(void)
{
    int status;
    while (waitpid(aof.child, &status, 0) < 0 && errno == EINTR) {
    }
    close(aof.child_pipe);
    aof.child_pipe = -1;
}

/* Returns 0 while the rewrite child runs, 1 once it reported a complete
 * file, -1 if it ended without (an error, a signal). */
static int child_result(void)
{
    char c;
    ssize_t n = read(aof.child_pipe, &c, 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* The byte comes right before _exit(0), so the wait is short. */
    reap_child();
    return n == 1 && c == REWRITE_DONE_BYTE ? 1 : -1;
}

static void rewrite_kill(void)
{
    if (aof.child <= 0)
        return;
    kill(aof.child, SIGKILL);
    reap_child();
    aof.child = 0;
    unlink(aof.tmp_path);
    buf_clear(&aof.rewrite_buf);
}

/* ---- cron ---- */

void aof_cron(void)
{
    if (aof.child > 0) {
        int r = child_result();
        if (r != 0)
            rewrite_done(r > 0);
    }
    if (aof.state == AOF_OFF)
        return;
    if (aof.rewrite_scheduled && aof.child == 0 && !rewrite_backing_off(mstime())) {
        char err[256];
        if (aof_rewrite_start(err, sizeof(err)) == 0)
            aof.rewrite_scheduled = 0;
    }
    if (aof.state != AOF_ON)
        return;

    int policy = server.cfg->aof_fsync;
    int ferr = atomic_load(&aof.fsync_errno);
    if (ferr && !atomic_load(&aof.fsync_running)) {
        set_error(ferr, "fsyncing");
        request_background_fsync(); /* retry once a cron */
    } else if (policy == AOF_FSYNC_EVERYSEC && !atomic_load(&aof.fsync_running)) {
        uint64_t target = atomic_load(&aof.fsync_target);
        if (target < aof.cur_size && mstime() - aof.last_fsync_ms >= 1000)
            request_background_fsync();
        else if (target == aof.cur_size)
            aof.synced_size = target;
    }
    /* A failed write is retried here too, so a quiet server recovers. */
    if (aof.write_err && aof.buf.len > 0)
        aof_before_sleep();
    /* A background fsync failed and its retry succeeded; writes are refused
     * meanwhile, so no write will come to clear the error: do it here. */
    if (aof.write_err && aof.buf.len == 0 && !atomic_load(&aof.fsync_running) &&
        atomic_load(&aof.fsync_errno) == 0)
        clear_error();

    /* A percentage of 0 turns the trigger off, as in Redis. */
    if (server.cfg->aof_rewrite_auto && server.cfg->aof_rewrite_percentage > 0 && aof.child == 0 &&
        !aof.write_err && !rewrite_backing_off(mstime()) &&
        aof.cur_size >= (uint64_t)server.cfg->aof_rewrite_min_size) {
        uint64_t base = aof.base_size ? aof.base_size : 1;
        uint64_t growth = aof.cur_size > base ? (aof.cur_size - base) * 100 / base : 0;
        if (growth >= (uint64_t)server.cfg->aof_rewrite_percentage) {
            char err[256];
            log_notice("Starting automatic rewriting of AOF on %" PRIu64 "%% growth", growth);
            if (aof_rewrite_start(err, sizeof(err)) < 0)
                log_warning("%s", err);
        }
    }
}

/* ---- INFO ---- */

static void info_persistence(struct buf *b)
{
    int64_t now = mstime();
    buf_printf(b,
               "aof_enabled:%d\r\n"
               "aof_rewrite_in_progress:%d\r\n"
               "aof_rewrite_scheduled:%d\r\n"
               "aof_last_rewrite_time_sec:%lld\r\n"
               "aof_current_rewrite_time_sec:%lld\r\n"
               "aof_last_bgrewrite_status:%s\r\n"
               "aof_rewrites:%lld\r\n"
               "aof_last_write_status:%s\r\n"
               "aof_last_cow_size:0\r\n"
               "module_fork_in_progress:0\r\n"
               "module_fork_last_cow_size:0\r\n",
               aof.state != AOF_OFF, aof.child > 0, aof.rewrite_scheduled, aof.last_rewrite_secs,
               aof.child > 0 ? (long long)((now - aof.rewrite_start_ms) / 1000) : -1LL,
               aof.last_rewrite_ok ? "ok" : "err", aof.rewrites, aof.write_err ? "err" : "ok");
    if (aof.state != AOF_OFF) {
        buf_printf(b,
                   "aof_current_size:%" PRIu64 "\r\n"
                   "aof_base_size:%" PRIu64 "\r\n"
                   "aof_pending_rewrite:%d\r\n"
                   "aof_buffer_length:%zu\r\n"
                   "aof_pending_bio_fsync:%d\r\n"
                   "aof_delayed_fsync:%lld\r\n"
                   "aof_fsync:%s\r\n"
                   "aof_last_load_truncated_bytes:%" PRIu64 "\r\n",
                   aof.cur_size, aof.base_size, aof.rewrite_scheduled, aof.buf.len,
                   atomic_load(&aof.fsync_running), aof.delayed_fsync,
                   config_fsync_name(server.cfg->aof_fsync), aof.load_truncated_bytes);
    }
    if (server.loading) {
        int64_t elapsed = now - aof.load_start_ms;
        double perc = aof.load_total ? 100.0 * (double)aof.load_done / (double)aof.load_total : 0;
        long long eta = aof.load_done && elapsed > 0
                            ? (long long)((aof.load_total - aof.load_done) * (uint64_t)elapsed /
                                          aof.load_done / 1000)
                            : 1;
        buf_printf(b,
                   "loading_start_time:%lld\r\n"
                   "loading_total_bytes:%" PRIu64 "\r\n"
                   "loading_loaded_bytes:%" PRIu64 "\r\n"
                   "loading_loaded_perc:%.2f\r\n"
                   "loading_eta_seconds:%lld\r\n",
                   (long long)(aof.load_start_ms / 1000), aof.load_total, aof.load_done, perc, eta);
    }
}

/* ---- loading ---- */

struct loader {
    struct client *fake;
    struct aof_argv args;
    int failed;
};

/* A rewritten base says how many keys db 0 holds: size the keyspace once
 * instead of growing it step by step through the replay. */
static int load_header(void *ctx, const struct aof_header *h)
{
    (void)ctx;
    if (h->keys > 0 && server.ndbs > 0 && h->keys < (1ull << 32))
        dict_expand(server.dbs[0]->keys, (size_t)h->keys);
    return 0;
}

static int load_frame(void *ctx, const struct aof_frame *f, uint64_t offset)
{
    struct loader *ld = ctx;
    size_t pos = 0;
    int rc;
    while ((rc = aof_payload_next(f->payload, f->payload_len, &pos, &ld->args)) == 1) {
        struct client *c = ld->fake;
        c->argc = ld->args.argc;
        c->argv = ld->args.argv;
        /* Replayed commands run at a time before any expire time (see
         * load_file); clients served between frames see the real clock. */
        int64_t saved_fixed_time = server.fixed_time_ms;
        server.fixed_time_ms = 1;
        command_exec(c);
        server.fixed_time_ms = saved_fixed_time;
        if (c->reply.len > 0 && c->reply.data[0] == '-') {
            /* The log holds only effects that succeeded when they were
             * made; one that fails now means the file and this server
             * disagree (e.g. a command this version does not know). */
            int n = (int)strcspn(c->reply.data, "\r\n");
            log_warning("AOF %s: the command in the frame at offset %" PRIu64
                        " failed on replay: %.*s",
                        aof.path, offset, n, c->reply.data);
            if (strncmp(c->reply.data, "-ERR unknown command", 20) == 0) {
                ld->failed = 1;
                return 1;
            }
        }
        buf_clear(&c->reply);
        c->argc = 0;
        c->argv = NULL;
    }
    return rc < 0 ? 1 : 0;
}

static void load_progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    aof.load_done = done;
    aof.load_total = total;
    log_notice("Loading AOF: %" PRIu64 " of %" PRIu64 " bytes (%.1f%%)", done, total,
               total ? 100.0 * (double)done / (double)total : 100.0);
    if (server.process_events)
        server.process_events();
}

/* Writes a new AOF holding only the header at path, atomically: a crash
 * leaves either no file or a complete one, never a headerless file that
 * could be mistaken for a torn one. */
static int create_empty(const char *path)
{
    char *tmp = path_join(server.cfg->aof_dir, "temp-new.aof");
    struct buf b = BUF_INIT;
    struct aof_header h = {.version = AOF_FORMAT_VERSION};
    aof_header_encode(&b, &h);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        rc = -errno;
    if (rc == 0)
        rc = write_all(fd, b.data, b.len, 0);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc == 0)
        rc = fsync_dir_of(path);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    buf_free(&b);
    return rc;
}

static void remove_stale_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "temp-rewriteaof-", 16) == 0 ||
            strcmp(de->d_name, "temp-new.aof") == 0) {
            char *p = path_join(dir, de->d_name);
            log_notice("Removing a temporary AOF left by an interrupted rewrite: %s", p);
            unlink(p);
            free(p);
        }
    }
    closedir(d);
}

static int open_for_append(void)
{
    int fd = open(aof.path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        log_warning("Can't open the append-only file %s: %s", aof.path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        log_warning("Can't stat the append-only file %s: %s", aof.path, strerror(errno));
        close(fd);
        return -1;
    }
    aof.fd = fd;
    aof.cur_size = aof.synced_size = aof.base_size = (uint64_t)st.st_size;
    aof.selected_db = -1;
    return 0;
}

static int load_file(void)
{
    struct stat st;
    if (stat(aof.path, &st) < 0) {
        if (errno != ENOENT) {
            log_warning("Can't stat the append-only file %s: %s", aof.path, strerror(errno));
            return -1;
        }
        int rc = create_empty(aof.path);
        if (rc < 0) {
            log_warning("Can't create the append-only file %s: %s", aof.path, strerror(-rc));
            return -1;
        }
        log_notice("Created a new append-only file %s", aof.path);
        return 0;
    }
    if (st.st_size == 0) {
        /* Only create_empty() makes AOFs and it never leaves an empty one,
         * so this is a file someone created by hand: give it a header. */
        int rc = create_empty(aof.path);
        if (rc < 0) {
            log_warning("Can't initialise the empty append-only file %s: %s", aof.path,
                        strerror(-rc));
            return -1;
        }
        return 0;
    }

    struct loader ld = {0};
    ld.fake = client_create(-1);
    ld.fake->authenticated = 1;
    aof_argv_init(&ld.args);
    struct aof_scan_opts opts = {
        .on_frame = load_frame,
        .on_header = load_header,
        .on_progress = load_progress,
        .progress_interval = LOAD_PROGRESS_BYTES,
        .ctx = &ld,
    };
    struct aof_scan_result res;
    aof.load_start_ms = mstime();
    aof.load_total = (uint64_t)st.st_size;
    server.loading = 1;
    /* Nothing expires while the log is replayed, as in Redis.  The log
     * tells what was done to each key while it was alive; a key whose time
     * has come since must still be there for the frames after it (SET k v
     * PXAT t, then APPEND k x), or the replay builds a dataset that never
     * existed (a fresh "x" with no TTL).  So replayed commands run at a
     * time before any expire time (load_frame; the log holds only absolute
     * times), and the active cycle (the cron runs while loading serves
     * clients) only hides keys.  Keys whose time has come expire normally
     * once loading is done.  (Raft's node_start() sets its own policy
     * after this.) */
    db_set_expire_policy(0);
    int64_t t0 = monotonic_us();
    int rc = aof_scan_file(aof.path, &opts, &res);
    db_set_expire_policy(1);
    if (rc == 0)
        last_index = res.last_raft_index;
    server.loading = 0;
    aof_argv_free(&ld.args);
    client_free(ld.fake);
    if (rc < 0) {
        log_warning("Can't read the append-only file %s: %s", aof.path, strerror(-rc));
        return -1;
    }
    double secs = (double)(monotonic_us() - t0) / 1e6;
    switch (res.status) {
    case AOF_SCAN_OK:
        break;
    case AOF_SCAN_TORN_TAIL:
        if (!server.cfg->aof_load_truncated) {
            log_warning("The append-only file %s ends with an incomplete frame at offset "
                        "%" PRIu64 " (%" PRIu64 " bytes). aof.load_truncated is off: refusing "
                        "to start. Run 'raftcache-check-aof --fix %s' to cut the torn tail.",
                        aof.path, res.bad_offset, res.file_size - res.valid_bytes, aof.path);
            return -1;
        }
        rc = aof_truncate_tail(aof.path, res.valid_bytes, res.file_size);
        if (rc < 0) {
            log_warning("Could not cut the torn tail of %s: %s", aof.path, strerror(-rc));
            return -1;
        }
        aof.load_truncated_bytes = res.file_size - res.valid_bytes;
        log_warning("!!! Warning: the append-only file %s ended with a torn frame (the "
                    "process stopped in the middle of a write): %" PRIu64 " bytes at offset "
                    "%" PRIu64 " were dropped, %" PRIu64 " frames kept. AOF loaded anyway "
                    "because aof.load_truncated is on.",
                    aof.path, aof.load_truncated_bytes, res.valid_bytes, res.frames);
        break;
    case AOF_SCAN_CORRUPT:
        log_warning("Bad file format reading the append only file %s: damaged frame at byte "
                    "offset %" PRIu64 " (%s). Refusing to start: nothing is skipped silently. "
                    "Run 'raftcache-check-aof %s' for details.",
                    aof.path, res.bad_offset, aof_strerror(res.reason), aof.path);
        return -1;
    case AOF_SCAN_STOPPED:
    default:
        log_warning("Loading the append only file %s stopped at the frame at offset %" PRIu64
                    ": %s",
                    aof.path, res.bad_offset,
                    ld.failed ? "a command this server does not know" : "a malformed command");
        return -1;
    }
    long long keys = 0;
    for (int i = 0; i < server.ndbs; i++)
        keys += (long long)db_size(server.dbs[i]);
    log_notice("DB loaded from append only file: %.3f seconds (%" PRIu64 " frames, %" PRIu64
               " commands, %lld keys)",
               secs, res.frames, res.commands, keys);
    return 0;
}

int aof_start(void)
{
    server.info_persistence = info_persistence;
    server.deny_write = deny_write;
    if (!server.cfg->aof_enabled)
        return 0;
    int rc = mkdir_p(server.cfg->aof_dir);
    if (rc < 0) {
        log_warning("Can't create the AOF directory %s: %s", server.cfg->aof_dir, strerror(-rc));
        return -1;
    }
    free(aof.path);
    aof.path = path_join(server.cfg->aof_dir, server.cfg->aof_filename);
    remove_stale_temp_files(server.cfg->aof_dir);
    if (load_file() < 0 || open_for_append() < 0)
        return -1;
    start_fsync_thread();
    aof.state = AOF_ON;
    aof.last_fsync_ms = mstime();
    server.propagate = propagate;
    return 0;
}

int aof_set_enabled(int on, char *err, size_t errlen)
{
    if (server.loading) {
        /* aof_start() decides once the file is loaded. */
        snprintf(err, errlen, "can't change appendonly while the AOF is loading");
        return -1;
    }
    if (on && aof.state == AOF_OFF) {
        int rc = mkdir_p(server.cfg->aof_dir);
        if (rc < 0) {
            snprintf(err, errlen, "can't create the AOF directory %s: %s", server.cfg->aof_dir,
                     strerror(-rc));
            return -1;
        }
        free(aof.path);
        aof.path = path_join(server.cfg->aof_dir, server.cfg->aof_filename);
        start_fsync_thread();
        server.propagate = propagate;
        if (aof.child > 0) {
            /* A BGREWRITEAOF made while the AOF was off: its snapshot is
             * older and the writes since were not kept for it, so it must
             * not become the live AOF.  Start over, as Redis does. */
            log_notice("AOF was enabled but there is already an AOF rewriting in background. "
                       "Stopping background AOF and starting a rewrite now.");
            rewrite_kill();
        }
        aof.state = AOF_WAIT_REWRITE;
        if (aof_rewrite_start(err, errlen) < 0) {
            aof.state = AOF_OFF;
            server.propagate = NULL;
            return -1;
        }
        return 0;
    }
    if (!on && aof.state != AOF_OFF) {
        rewrite_kill();
        if (aof.state == AOF_ON) {
            if (flush_buffer() == 0)
                buf_clear(&aof.buf);
            wait_background_fsync();
            if (fdatasync(aof.fd) < 0)
                log_warning("fsync of the AOF failed while turning it off: %s", strerror(errno));
        }
        stop_fsync_thread();
        if (aof.fd >= 0)
            close(aof.fd);
        aof.fd = -1;
        aof.state = AOF_OFF;
        aof.rewrite_scheduled = 0;
        aof.write_err = 0;
        buf_clear(&aof.buf);
        server.propagate = NULL;
        /* Replies held for durability can go: the user turned it off. */
        batch_done();
        log_notice("AOF disabled");
    }
    return 0;
}

void aof_shutdown(void)
{
    rewrite_kill();
    if (aof.state == AOF_ON) {
        if (aof.buf.len > 0 && flush_buffer() == 0)
            buf_clear(&aof.buf);
        wait_background_fsync();
        if (fdatasync(aof.fd) < 0)
            log_warning("fsync of the AOF at shutdown failed: %s", strerror(errno));
        else
            log_notice("Append only file fsynced at shutdown");
    }
    stop_fsync_thread();
    if (aof.fd >= 0)
        close(aof.fd);
    aof.fd = -1;
    aof.state = AOF_OFF;
    buf_free(&aof.buf);
    buf_free(&aof.rewrite_buf);
    free(aof.path);
    free(aof.tmp_path);
    aof.path = aof.tmp_path = NULL;
}

/* ---- Raft entries ---- */

/* Appends one whole frame to the file's buffer (and the rewrite's). */
static void append_frame(uint64_t index, const char *payload, size_t len)
{
    struct buf *targets[2];
    int nt = 0;
    if (aof.state == AOF_ON)
        targets[nt++] = &aof.buf;
    if (aof.child > 0 || aof.state == AOF_WAIT_REWRITE)
        targets[nt++] = &aof.rewrite_buf;
    if (nt == 0)
        return;
    struct buf *b = targets[0];
    size_t start = b->len;
    if (aof_frame_encode(b, AOF_KIND_COMMAND, index, payload, len) != 0) {
        log_warning("An AOF frame exceeded the maximum payload; entry %" PRIu64 " not logged",
                    index);
        return;
    }
    if (nt == 2)
        buf_append(targets[1], b->data + start, b->len - start);
    last_index = index;
}

void aof_entry_begin(uint64_t raft_index)
{
    entry_open = 1;
    entry_index = raft_index;
    buf_clear(&entry_payload);
}

void aof_entry_end(void)
{
    entry_open = 0;
    /* Memory now holds this entry, with or without a file: a rewrite made
     * later (appendonly yes) records this index as its base. */
    last_index = entry_index;
    if (aof.state == AOF_OFF)
        return;
    /* An entry with no effect still gets its (empty) frame: the file's
     * last index must name the last applied entry, so a restart applies
     * exactly the entries after it. */
    append_frame(entry_index, entry_payload.data ? entry_payload.data : "", entry_payload.len);
    buf_clear(&entry_payload);
    if (entry_payload.cap > 1024 * 1024)
        buf_free(&entry_payload);
}

uint64_t aof_last_raft_index(void)
{
    return last_index;
}

size_t aof_buffer_bytes(void)
{
    return aof.buf.cap + aof.rewrite_buf.cap;
}
