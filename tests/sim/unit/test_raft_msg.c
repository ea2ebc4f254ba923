/* test_raft_msg: the Raft wire codec (src/raft/msg.h): round trips, the
 * incremental "need more" contract, and every way a frame can be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "raft/msg.h"

#define MAX (1u << 20)

static uint8_t *encode(const struct raft_msg *m, size_t *len)
{
    *len = raft_msg_encoded_size(m);
    uint8_t *b = malloc(*len);
    assert_int_equal(raft_msg_encode(m, b), *len);
    return b;
}

/* Recomputes the CRC after a test edited the body: the content checks,
 * not the checksum, must refuse it. */
static void reseal(uint8_t *b, size_t len)
{
    uint32_t c = raft_crc32c(0, b + 4, len - 8);
    for (int i = 0; i < 4; i++)
        b[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int decode(const uint8_t *b, size_t len, struct raft_msg *m, size_t *used)
{
    return raft_msg_decode(b, len, MAX, m, used);
}

static void test_crc32c(void **state)
{
    (void)state;
    assert_int_equal(raft_crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(raft_crc32c(0, "", 0), 0);
    uint32_t a = raft_crc32c(0, "1234", 4);
    assert_int_equal(raft_crc32c(a, "56789", 5), 0xe3069283u);
}

static struct raft_entry ents[3];
static uint8_t data1[] = "SET k v", data3[] = {0, 1, 2, 255};

static struct raft_msg sample_app(void)
{
    memset(ents, 0, sizeof(ents));
    ents[0] = (struct raft_entry){.term = 7, .index = 11, .len = 7, .data = data1};
    ents[1] = (struct raft_entry){.term = 7, .index = 12, .type = RAFT_ENTRY_NOOP};
    ents[2] = (struct raft_entry){.term = 8, .index = 13, .len = 4, .data = data3};
    struct raft_msg m = {
        .type = RAFT_MSG_APP,
        .from = 2,
        .to = 3,
        .term = 8,
        .log_term = 6,
        .index = 10,
        .commit = 9,
        .n_entries = 3,
        .entries = ents,
    };
    return m;
}

static void test_round_trip_app(void **state)
{
    (void)state;
    struct raft_msg m = sample_app(), d;
    size_t len, used;
    uint8_t *b = encode(&m, &len);
    assert_int_equal(len, RAFT_MSG_MIN_FRAME + 3 * RAFT_MSG_ENTRY_HEADER_LEN + 7 + 4);
    assert_int_equal(decode(b, len, &d, &used), 1);
    assert_int_equal(used, len);
    assert_int_equal(d.type, RAFT_MSG_APP);
    assert_int_equal(d.from, 2);
    assert_int_equal(d.to, 3);
    assert_int_equal(d.term, 8);
    assert_int_equal(d.log_term, 6);
    assert_int_equal(d.index, 10);
    assert_int_equal(d.commit, 9);
    assert_int_equal(d.n_entries, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(d.entries[k].index, 11 + k);
        assert_int_equal(d.entries[k].term, ents[k].term);
        assert_int_equal(d.entries[k].type, ents[k].type);
        assert_int_equal(d.entries[k].len, ents[k].len);
        if (ents[k].len)
            assert_memory_equal(d.entries[k].data, ents[k].data, ents[k].len);
        else
            assert_null(d.entries[k].data);
    }
    /* canonical: re-encoding gives the same bytes */
    size_t len2;
    uint8_t *b2 = encode(&d, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(b, b2, len);
    raft_msg_free(&d);
    assert_null(d.entries);
    raft_msg_free(NULL);
    free(b);
    free(b2);
}

static void test_round_trip_every_type(void **state)
{
    (void)state;
    const int types[] = {
        RAFT_MSG_APP_RESP,      RAFT_MSG_VOTE,      RAFT_MSG_VOTE_RESP,      RAFT_MSG_PRE_VOTE,
        RAFT_MSG_PRE_VOTE_RESP, RAFT_MSG_HEARTBEAT, RAFT_MSG_HEARTBEAT_RESP, RAFT_MSG_SNAP,
        RAFT_MSG_TIMEOUT_NOW,   RAFT_MSG_APP};
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        struct raft_msg m =
                            {
                                .type = (uint8_t)types[k],
                                .reject = k % 2 == 0,
                                .from = UINT64_MAX,
                                .to = 1,
                                .term = UINT64_MAX - 1,
                                .log_term = 0x0102030405060708ULL,
                                .index = 42,
                                .commit = 41,
                                .reject_hint = 40,
                                .ctx = 0xdeadbeefcafef00dULL,
                            },
                        d;
        size_t len, used;
        uint8_t *b = encode(&m, &len);
        assert_int_equal(len, RAFT_MSG_MIN_FRAME);
        assert_int_equal(decode(b, len, &d, &used), 1);
        assert_int_equal(d.type, m.type);
        assert_int_equal(d.reject, m.reject);
        assert_true(d.from == m.from && d.to == m.to && d.term == m.term);
        assert_true(d.log_term == m.log_term && d.index == m.index && d.commit == m.commit);
        assert_true(d.reject_hint == m.reject_hint && d.ctx == m.ctx);
        assert_int_equal(d.n_entries, 0);
        assert_null(d.entries);
        free(b);
    }
}

/* Any split of the bytes: "need more" until the frame is whole; several
 * frames in one buffer decode one at a time. */
static void test_incremental(void **state)
{
    (void)state;
    struct raft_msg m = sample_app(), d;
    size_t len, used = 0;
    uint8_t *b = encode(&m, &len);
    for (size_t n = 0; n < len; n++) {
        assert_int_equal(decode(b, n, &d, &used), 0);
        assert_int_equal(used, 0);
    }
    uint8_t *two = malloc(2 * len + 3);
    memcpy(two, b, len);
    memcpy(two + len, b, len);
    memcpy(two + 2 * len, "\x01\x02\x03", 3);
    assert_int_equal(decode(two, 2 * len + 3, &d, &used), 1);
    assert_int_equal(used, len);
    raft_msg_free(&d);
    assert_int_equal(decode(two + len, len + 3, &d, &used), 1);
    assert_int_equal(used, len);
    raft_msg_free(&d);
    assert_int_equal(decode(two + 2 * len, 3, &d, &used), 0);
    free(two);
    free(b);
}

/* Length and version are judged from the first bytes, before the rest
 * arrives: a peer announcing 4 GiB is refused at once. */
static void test_early_errors(void **state)
{
    (void)state;
    struct raft_msg d;
    size_t used;
    uint8_t hdr[5] = {0xff, 0xff, 0xff, 0xff, 1};
    assert_int_equal(decode(hdr, 4, &d, &used), RAFT_EMSG_TOO_LARGE);
    put32(hdr, 100);
    hdr[4] = 2;
    assert_int_equal(decode(hdr, 5, &d, &used), RAFT_EMSG_VERSION);
    assert_int_equal(decode(hdr, 4, &d, &used), 0); /* version not seen yet */
    put32(hdr, RAFT_MSG_MIN_FRAME - 5);
    assert_int_equal(decode(hdr, 4, &d, &used), RAFT_EMSG_MALFORMED);
    /* the limit is the caller's: the same frame passes a larger one */
    struct raft_msg m = sample_app();
    size_t len;
    uint8_t *b = encode(&m, &len);
    assert_int_equal(raft_msg_decode(b, len, len - 1, &d, &used), RAFT_EMSG_TOO_LARGE);
    assert_int_equal(raft_msg_decode(b, len, len, &d, &used), 1);
    raft_msg_free(&d);
    free(b);
}

/* Every single flipped bit after the length field is caught. */
static void test_corruption_detected(void **state)
{
    (void)state;
    struct raft_msg m = sample_app(), d;
    size_t len, used;
    uint8_t *b = encode(&m, &len);
    for (size_t i = 4; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b[i] ^= (uint8_t)(1u << bit);
            int rc = decode(b, len, &d, &used);
            assert_true(rc == RAFT_EMSG_CHECKSUM || (i == 4 && rc == RAFT_EMSG_VERSION));
            b[i] ^= (uint8_t)(1u << bit);
        }
    }
    free(b);
}

static int decode_edited(void (*edit)(uint8_t *b, size_t len), struct raft_msg *base)
{
    size_t len, used;
    uint8_t *b = encode(base, &len);
    edit(b, len);
    reseal(b, len);
    struct raft_msg d;
    int rc = decode(b, len, &d, &used);
    if (rc == 1)
        raft_msg_free(&d);
    free(b);
    return rc;
}

static void ed_local_type(uint8_t *b, size_t len)
{
    (void)len;
    b[5] = RAFT_MSG_HUP;
}
static void ed_unknown_type(uint8_t *b, size_t len)
{
    (void)len;
    b[5] = 99;
}
static void ed_flags(uint8_t *b, size_t len)
{
    (void)len;
    b[6] |= 2;
}
static void ed_reserved(uint8_t *b, size_t len)
{
    (void)len;
    b[7] = 1;
}
static void ed_entries_on_resp(uint8_t *b, size_t len)
{
    (void)len;
    b[5] = RAFT_MSG_APP_RESP;
}
static void ed_count_huge(uint8_t *b, size_t len)
{
    (void)len;
    put32(b + 72, 0xffffffffu);
}
static void ed_count_high(uint8_t *b, size_t len)
{
    (void)len;
    put32(b + 72, 4); /* one more than present */
}
static void ed_count_low(uint8_t *b, size_t len)
{
    (void)len;
    put32(b + 72, 2); /* leaves the third entry as trailing bytes */
}
static void ed_entry_len(uint8_t *b, size_t len)
{
    (void)len;
    put32(b + RAFT_MSG_HEADER_LEN + 9, 1000);
}
static void ed_entry_type(uint8_t *b, size_t len)
{
    (void)len;
    b[RAFT_MSG_HEADER_LEN + 8] = 7;
}
static void ed_index_overflow(uint8_t *b, size_t len)
{
    (void)len;
    put64(b + 40, UINT64_MAX - 1); /* 3 entries after it overflow */
}

/* Intact frames (good CRC) whose content is impossible. */
static void test_malformed(void **state)
{
    (void)state;
    struct raft_msg app = sample_app();
    void (*edits[])(uint8_t *, size_t) = {
        ed_local_type,      ed_unknown_type, ed_flags,          ed_reserved,
        ed_entries_on_resp, ed_count_huge,   ed_count_high,     ed_count_low,
        ed_entry_len,       ed_entry_type,   ed_index_overflow,
    };
    for (size_t k = 0; k < sizeof(edits) / sizeof(edits[0]); k++)
        assert_int_equal(decode_edited(edits[k], &app), RAFT_EMSG_MALFORMED);
    /* a frame shorter than its header */
    uint8_t small[RAFT_MSG_MIN_FRAME];
    memset(small, 0, sizeof(small));
    put32(small, RAFT_MSG_MIN_FRAME - 4);
    small[4] = RAFT_MSG_VERSION;
    small[5] = RAFT_MSG_HEARTBEAT;
    reseal(small, sizeof(small));
    struct raft_msg d;
    size_t used;
    assert_int_equal(decode(small, sizeof(small), &d, &used), 1);
}

static void test_names(void **state)
{
    (void)state;
    const int codes[] = {RAFT_ENOTLEADER,    RAFT_EDROPPED,       RAFT_EINVAL,
                         RAFT_ESTORAGE,      RAFT_EUNAVAILABLE,   RAFT_EMSG,
                         RAFT_ECORRUPT,      RAFT_ENOTSUP,        RAFT_ENOMEM,
                         RAFT_EMSG_VERSION,  RAFT_EMSG_TOO_LARGE, RAFT_EMSG_CHECKSUM,
                         RAFT_EMSG_MALFORMED};
    for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
        assert_string_not_equal(raft_strerror(codes[k]), "unknown error");
    assert_string_equal(raft_strerror(12345), "unknown error");
    for (int t = RAFT_MSG_HUP; t <= RAFT_MSG_TIMEOUT_NOW; t++)
        assert_string_not_equal(raft_msg_type_name(t), "MsgUnknown");
    assert_string_equal(raft_msg_type_name(0), "MsgUnknown");
    assert_string_equal(raft_role_name(RAFT_LEADER), "leader");
    assert_string_equal(raft_progress_state_name(RAFT_PROGRESS_REPLICATE), "replicate");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_round_trip_app),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_early_errors),
        cmocka_unit_test(test_corruption_detected),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
