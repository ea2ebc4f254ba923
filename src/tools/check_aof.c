/* raftcache-check-aof: checks (and can cut the torn tail of) an AOF file.
 *
 *   raftcache-check-aof [--fix [--yes]] [--list] FILE
 *
 * Prints the frame count, the last Raft index and the verdict: OK, "torn tail
 * at offset X (N bytes)" or "corrupt frame at offset X: reason".  The verdict
 * is the one the server's loader reaches (both call aof_scan_file()), so what
 * this tool accepts the server loads.
 *
 * --fix truncates a torn tail, after asking on the terminal (or at once with
 * --yes), exactly as the server does with aof.load_truncated: true.  It
 * refuses to touch a corrupt file: corruption means intact frames follow the
 * damage (or the file is not an AOF we can read), and cutting there would
 * throw away writes that may have been acknowledged.  Deciding to lose them
 * is left to a human, with the exact command printed.
 *
 * Exit status: 0 the file is intact (or was fixed), 1 it is damaged (and was
 * not fixed), 2 usage or I/O error.
 *
 * Do not run --fix on the AOF of a running server. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aof_codec.h"

#define EXIT_INTACT  0
#define EXIT_DAMAGED 1
#define EXIT_ERROR   2

#define LIST_ARG_MAX 64 /* bytes of each argument shown by --list */

static void usage(FILE *out)
{
    fprintf(out, "Usage: raftcache-check-aof [--fix [--yes]] [--list] FILE\n"
                 "  --fix    truncate a torn tail (asks first)\n"
                 "  --yes    with --fix: do not ask\n"
                 "  --list   print every frame\n"
                 "Exit status: 0 intact or fixed, 1 damaged, 2 usage or I/O error.\n");
}

/* Prints a as redis-cli quotes a string, at most LIST_ARG_MAX bytes. */
static void print_quoted(const char *s, size_t len)
{
    size_t n = len > LIST_ARG_MAX ? LIST_ARG_MAX : len;
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\':
        case '"':
            printf("\\%c", c);
            break;
        case '\n':
            fputs("\\n", stdout);
            break;
        case '\r':
            fputs("\\r", stdout);
            break;
        case '\t':
            fputs("\\t", stdout);
            break;
        default:
            if (isprint(c))
                putchar(c);
            else
                printf("\\x%02x", c);
        }
    }
    putchar('"');
    if (n < len)
        printf("...(%zu bytes)", len);
}

struct list_ctx {
    struct aof_argv argv;
};

static int list_header(void *ctx, const struct aof_header *h)
{
    (void)ctx;
    printf("%12d  H  index %" PRIu64 "  format %u", 0, h->base_index, h->version);
    if (h->base_term != 0)
        printf("  base term %" PRIu64, h->base_term);
    putchar('\n');
    return 0;
}

static int list_frame(void *ctx, const struct aof_frame *f, uint64_t offset)
{
    struct list_ctx *lc = ctx;
    size_t pos = 0;

    printf("%12" PRIu64 "  C  index %" PRIu64 "  %zu bytes\n", offset, f->raft_index,
           f->payload_len);
    /* The scanner checked the payload, so this loop ends at its end. */
    while (aof_payload_next(f->payload, f->payload_len, &pos, &lc->argv) == 1) {
        fputs("              ", stdout);
        for (int i = 0; i < lc->argv.argc; i++) {
            putchar(' ');
            print_quoted(lc->argv.argv[i].ptr, lc->argv.argv[i].len);
        }
        putchar('\n');
    }
    return 0;
}

/* Asks a yes/no question on stdin; only "y" or "yes" is yes. */
static int confirm(const char *question)
{
    char line[64];
    printf("%s [y/N]: ", question);
    fflush(stdout);
    char *got = fgets(line, sizeof line, stdin);
    /* Keep the transcript readable when the answer was piped in. */
    if (got == NULL || !isatty(STDIN_FILENO))
        putchar('\n');
    if (got == NULL)
        return 0;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0;
}

static void print_summary(const char *path, const struct aof_scan_result *r)
{
    printf("AOF %s: %" PRIu64 " bytes\n", path, r->file_size);
    if (r->has_header) {
        printf("Format: raftcache-aof %u, base raft index %" PRIu64, r->header.version,
               r->header.base_index);
        if (r->header.base_term != 0)
            printf(", base term %" PRIu64, r->header.base_term);
        putchar('\n');
    }
    printf("Frames: %" PRIu64 " intact (%" PRIu64 " commands), %" PRIu64 " bytes\n", r->frames,
           r->commands, r->valid_bytes);
    printf("Last raft index: %" PRIu64 "\n", r->last_raft_index);
}

static int refuse_corrupt(const char *path, const struct aof_scan_result *r)
{
    if (r->intact_offset != 0) {
        printf("Refusing to fix: intact frames follow the damage (the first at offset %" PRIu64
               ").\n"
               "Cutting the file at offset %" PRIu64 " would drop them, and they may hold "
               "acknowledged writes;\n"
               "skipping the damaged frame would replay a history with a hole.\n",
               r->intact_offset, r->bad_offset);
    } else {
        printf("Refusing to fix: the file is not a raftcache AOF this program can repair.\n");
    }
    printf("What to do: keep this file as it is, and restore the data from a backup or a\n"
           "replica (with Raft on, let the node catch up from the leader).  To start from\n"
           "the intact prefix instead, accepting the loss of every write after offset %" PRIu64
           ",\n"
           "copy the file aside and run:  truncate -s %" PRIu64 " '%s'\n",
           r->bad_offset, r->bad_offset, path);
    return EXIT_DAMAGED;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int fix = 0, yes = 0, list = 0;
    struct list_ctx lc;
    struct aof_scan_opts opts = {0};
    struct aof_scan_result r;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fix") == 0) {
            fix = 1;
        } else if (strcmp(argv[i], "--yes") == 0) {
            yes = 1;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return EXIT_INTACT;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "Unknown option: %s\n", argv[i]);
            usage(stderr);
            return EXIT_ERROR;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "Only one file, please.\n");
            usage(stderr);
            return EXIT_ERROR;
        }
    }
    if (path == NULL || (yes && !fix)) {
        usage(stderr);
        return EXIT_ERROR;
    }

    aof_argv_init(&lc.argv);
    if (list) {
        opts.on_header = list_header;
        opts.on_frame = list_frame;
        opts.ctx = &lc;
    }
    int rc = aof_scan_file(path, &opts, &r);
    aof_argv_free(&lc.argv);
    if (rc != 0) {
        fprintf(stderr, "Cannot read %s: %s\n", path, aof_strerror(rc));
        return EXIT_ERROR;
    }

    print_summary(path, &r);
    switch (r.status) {
    case AOF_SCAN_OK:
        printf("OK\n");
        if (fix)
            printf("Nothing to fix.\n");
        return EXIT_INTACT;
    case AOF_SCAN_TORN_TAIL:
        break;
    case AOF_SCAN_CORRUPT:
        printf("corrupt frame at offset %" PRIu64 ": %s", r.bad_offset, aof_strerror(r.reason));
        if (r.intact_offset != 0)
            printf(" (intact frames follow, the first at offset %" PRIu64 ")", r.intact_offset);
        putchar('\n');
        return fix ? refuse_corrupt(path, &r) : EXIT_DAMAGED;
    default:
        fprintf(stderr, "Unexpected scan status %d\n", r.status);
        return EXIT_ERROR;
    }

    uint64_t drop = r.file_size - r.valid_bytes;
    printf("torn tail at offset %" PRIu64 " (%" PRIu64 " bytes): %s\n", r.valid_bytes, drop,
           aof_strerror(r.reason));
    if (!fix) {
        printf("Run with --fix to truncate it (as the server does with aof.load_truncated: "
               "true).\n");
        return EXIT_DAMAGED;
    }
    printf("This will truncate the AOF from %" PRIu64 " to %" PRIu64 " bytes, dropping %" PRIu64
           " bytes that hold no intact frame.\n",
           r.file_size, r.valid_bytes, drop);
    if (!yes && !confirm("Continue?")) {
        printf("AOF not changed.\n");
        return EXIT_DAMAGED;
    }
    rc = aof_truncate_tail(path, r.valid_bytes, r.file_size);
    if (rc == -ESTALE) {
        fprintf(stderr, "The file changed while it was being checked; not truncated. Is a "
                        "server writing it?\n");
        return EXIT_ERROR;
    }
    if (rc != 0) {
        fprintf(stderr, "Cannot truncate %s: %s\n", path, aof_strerror(rc));
        return EXIT_ERROR;
    }
    printf("Successfully truncated AOF %s to %" PRIu64 " bytes.\n", path, r.valid_bytes);
    return EXIT_INTACT;
}
