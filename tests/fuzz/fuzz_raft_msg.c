/* fuzz_raft_msg: libFuzzer target for the Raft message decoder, and for the
 * core's checking of what a peer sends.
 *
 * The input is a byte stream as a peer connection would carry it.  For it:
 *   - frames are decoded one after the other, as the transport will; the
 *     decoder's contract holds (1 with consumed in range, 0 only when more
 *     bytes could complete the frame, errors sticky for the stream);
 *   - every decoded frame re-encodes to exactly the same bytes (the format
 *     is canonical), and every strict prefix of it is "need more";
 *   - every decoded message, made to look as if it came from peer 2 or 3
 *     (so that it passes the sender checks and reaches the protocol code),
 *     is stepped into a 3-node core with a log, and its Readies processed:
 *     whatever a peer sends, the core never asserts or crashes (an
 *     inconsistent message is refused with a code).
 *
 * Built with clang -fsanitize=fuzzer it is a libFuzzer target.  Built with
 * -DRC_FUZZ_REPLAY it gets a main() that runs each file (or each file in
 * each directory) named on the command line once: that is how ctest replays
 * the committed corpus in tests/fuzz/corpus/raft_msg/ without libFuzzer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/msg.h"
#include "raft/raft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_FRAME (1u << 16)
#define MAX_LOG   (1u << 16) /* more than a MAX_FRAME frame can carry */

/* ---- a small disk for the core ---- */

struct disk {
    uint64_t terms[MAX_LOG + 1];
    size_t n;
    struct raft_hard_state hs;
};

static int d_term(void *ctx, uint64_t i, uint64_t *t)
{
    struct disk *d = ctx;
    if (i == 0 || i > d->n)
        return -1;
    *t = d->terms[i];
    return 0;
}

static int d_entries(void *ctx, uint64_t lo, uint64_t hi, raft_entry_visit_fn visit, void *arg)
{
    struct disk *d = ctx;
    CHECK(lo >= 1 && lo < hi && hi <= d->n + 1);
    for (uint64_t i = lo; i < hi; i++) {
        struct raft_entry e = {.term = d->terms[i], .index = i};
        if (visit(arg, &e))
            break;
    }
    return 0;
}

static void drain(struct raft *r, struct disk *d)
{
    for (int guard = 0; raft_has_ready(r) && guard < 100; guard++) {
        struct raft_ready rd;
        if (raft_ready(r, &rd) != 0)
            return;
        if (rd.n_entries) {
            uint64_t first = rd.entries[0].index;
            CHECK(first >= 1 && first <= d->n + 1);
            d->n = first - 1;
            for (size_t k = 0; k < rd.n_entries && d->n < MAX_LOG; k++)
                d->terms[++d->n] = rd.entries[k].term;
        }
        if (rd.has_hard_state)
            d->hs = rd.hard_state;
        for (size_t k = 0; k < rd.n_messages; k++) {
            /* what the core sends must encode and decode back */
            size_t len = raft_msg_encoded_size(&rd.messages[k]);
            uint8_t *b = malloc(len);
            CHECK(b != NULL);
            raft_msg_encode(&rd.messages[k], b);
            struct raft_msg back;
            size_t used;
            CHECK(raft_msg_decode(b, len, len, &back, &used) == 1 && used == len);
            raft_msg_free(&back);
            free(b);
        }
        raft_advance(r, &rd);
    }
}

static struct raft *core_new(struct disk *d, uint8_t mode)
{
    static const uint64_t peers[] = {1, 2, 3};
    memset(d, 0, sizeof(*d));
    /* a log of 20 entries with terms 1, 1, .., 2, .., 3 */
    d->n = 20;
    for (size_t i = 1; i <= 20; i++)
        d->terms[i] = i <= 8 ? 1 : i <= 15 ? 2 : 3;
    d->hs.term = 3;
    d->hs.commit = (mode & 1) ? 12 : 0;
    struct raft_config c = {
        .id = 1,
        .peers = peers,
        .n_peers = 3,
        .election_tick = 4,
        .heartbeat_tick = 1,
        .pre_vote = mode & 2,
        .check_quorum = mode & 4,
        .max_inflight_msgs = 2,
        .max_size_per_msg = 64,
        .rand_seed = mode,
    };
    struct raft_storage st = {.ctx = d, .term = d_term, .entries = d_entries};
    struct raft_start_state ss = {.hs = d->hs, .first_index = 1, .last_index = 20};
    struct raft *r = NULL;
    CHECK(raft_new(&c, &st, &ss, &r) == 0);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct disk d;
    uint8_t mode = size ? data[0] : 0;
    struct raft *r = core_new(&d, mode);
    /* Some inputs start from a leader: campaign and win with node 2's vote. */
    if (mode & 8) {
        struct raft_msg hup = {.type = RAFT_MSG_HUP};
        raft_step(r, &hup);
        drain(r, &d);
        struct raft_msg yes = {
            .type = mode & 2 ? RAFT_MSG_PRE_VOTE_RESP : RAFT_MSG_VOTE_RESP,
            .from = 2,
            .to = 1,
            .term = raft_term(r) + (mode & 2 ? 1 : 0),
        };
        raft_step(r, &yes);
        drain(r, &d);
        if (mode & 2) {
            yes.type = RAFT_MSG_VOTE_RESP;
            yes.term = raft_term(r);
            raft_step(r, &yes);
            drain(r, &d);
        }
    }

    size_t off = size ? 1 : 0;
    while (off < size) {
        struct raft_msg m;
        size_t used = 0;
        int rc = raft_msg_decode(data + off, size - off, MAX_FRAME, &m, &used);
        CHECK(rc == 1 || rc == 0 || rc < 0);
        if (rc != 1) {
            CHECK(used == 0);
            break; /* need more (the stream ends) or an error: connection closed */
        }
        CHECK(used >= RAFT_MSG_MIN_FRAME && used <= size - off && used <= MAX_FRAME);
        /* canonical: the same bytes back; every prefix is incomplete */
        uint8_t *b = malloc(used);
        CHECK(b != NULL);
        CHECK(raft_msg_encoded_size(&m) == used);
        raft_msg_encode(&m, b);
        CHECK(memcmp(b, data + off, used) == 0);
        free(b);
        for (size_t cut = 0; cut < used; cut += 1 + cut / 3) {
            struct raft_msg p;
            size_t pu = 0;
            int prc = raft_msg_decode(data + off, cut, MAX_FRAME, &p, &pu);
            CHECK(prc == 0 || prc < 0);
        }
        /* from a peer, to us, and into the protocol */
        m.from = 2 + (m.from & 1);
        m.to = 1;
        rc = raft_step(r, &m);
        CHECK(rc == 0 || rc == RAFT_EMSG || rc == RAFT_ENOTSUP || rc == RAFT_ECORRUPT ||
              rc == RAFT_ENOTLEADER);
        drain(r, &d);
        if (m.ctx & 1) {
            raft_tick(r);
            drain(r, &d);
        }
        /* the core's view stays sane */
        CHECK(raft_commit_index(r) <= raft_last_index(r));
        CHECK(raft_applied_index(r) <= raft_commit_index(r));
        raft_msg_free(&m);
        off += used;
    }
    raft_free(r);
    return 0;
}

#ifdef RC_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f) || buf == NULL;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failures = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            failures++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failures += replay_file(argv[i]) != 0;
            files++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (dir == NULL) {
            perror(argv[i]);
            failures++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failures += replay_file(path) != 0;
            files++;
        }
        closedir(dir);
    }
    printf("fuzz_raft_msg: replayed %d input(s), %d unreadable\n", files, failures);
    return failures ? 1 : 0;
}
#endif
