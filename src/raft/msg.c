/* msg: the wire codec of Raft messages (format in msg.h) and CRC32C.
 *
 * Decoding follows the rule for untrusted bytes: every length is checked
 * against the bytes actually present before it is used, counts are bounded
 * by what the frame can hold before anything is allocated, and each defect
 * is a return code.  The decoded message owns one block (entries array, then
 * the data), as the core's own messages do, so raft_msg_free() frees both.
 */
#include <stdlib.h>
#include <string.h>

#include "raft/msg.h"

/* CRC32C table for the reflected polynomial 0x82f63b78 (generated). */
static const uint32_t crc_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
    0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
    0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
    0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
    0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
    0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
    0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
    0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927, 0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
    0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
    0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
    0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
    0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
    0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
    0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
    0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
    0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
    0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
    0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
    0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
    0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
    0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
    0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e, 0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t raft_crc32c(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static bool is_wire_type(int type)
{
    switch (type) {
    case RAFT_MSG_APP:
    case RAFT_MSG_APP_RESP:
    case RAFT_MSG_VOTE:
    case RAFT_MSG_VOTE_RESP:
    case RAFT_MSG_PRE_VOTE:
    case RAFT_MSG_PRE_VOTE_RESP:
    case RAFT_MSG_HEARTBEAT:
    case RAFT_MSG_HEARTBEAT_RESP:
    case RAFT_MSG_SNAP:
    case RAFT_MSG_TIMEOUT_NOW:
        return true;
    default:
        return false;
    }
}

void raft_msg_free(struct raft_msg *m)
{
    if (m == NULL)
        return;
    free(m->entries);
    m->entries = NULL;
    m->n_entries = 0;
}

size_t raft_msg_encoded_size(const struct raft_msg *m)
{
    size_t size = RAFT_MSG_HEADER_LEN + 4;
    for (size_t k = 0; k < m->n_entries; k++)
        size += RAFT_MSG_ENTRY_HEADER_LEN + m->entries[k].len;
    return size;
}

size_t raft_msg_encode(const struct raft_msg *m, uint8_t *dst)
{
    size_t size = raft_msg_encoded_size(m);
    put32(dst, (uint32_t)(size - 4));
    dst[4] = RAFT_MSG_VERSION;
    dst[5] = m->type;
    dst[6] = m->reject ? 1 : 0;
    dst[7] = 0;
    put64(dst + 8, m->from);
    put64(dst + 16, m->to);
    put64(dst + 24, m->term);
    put64(dst + 32, m->log_term);
    put64(dst + 40, m->index);
    put64(dst + 48, m->commit);
    put64(dst + 56, m->reject_hint);
    put64(dst + 64, m->ctx);
    put32(dst + 72, (uint32_t)m->n_entries);
    uint8_t *p = dst + RAFT_MSG_HEADER_LEN;
    for (size_t k = 0; k < m->n_entries; k++) {
        const struct raft_entry *e = &m->entries[k];
        put64(p, e->term);
        p[8] = e->type;
        put32(p + 9, e->len);
        p += RAFT_MSG_ENTRY_HEADER_LEN;
        if (e->len) {
            memcpy(p, e->data, e->len);
            p += e->len;
        }
    }
    put32(p, raft_crc32c(0, dst + 4, size - 8));
    return size;
}

int raft_msg_decode(const void *buf, size_t n, size_t max_frame, struct raft_msg *out,
                    size_t *consumed)
{
    const uint8_t *p = buf;
    if (n < 4)
        return 0;
    size_t frame = (size_t)get32(p) + 4;
    if (frame > max_frame)
        return RAFT_EMSG_TOO_LARGE;
    if (frame < RAFT_MSG_MIN_FRAME)
        return RAFT_EMSG_MALFORMED;
    if (n >= 5 && p[4] != RAFT_MSG_VERSION)
        return RAFT_EMSG_VERSION;
    if (n < frame)
        return 0;
    size_t end = frame - 4; /* the body ends where the CRC starts */
    if (get32(p + end) != raft_crc32c(0, p + 4, end - 4))
        return RAFT_EMSG_CHECKSUM;

    struct raft_msg m;
    memset(&m, 0, sizeof(m));
    m.type = p[5];
    if (!is_wire_type(m.type) || (p[6] & ~1u) != 0 || p[7] != 0)
        return RAFT_EMSG_MALFORMED;
    m.reject = p[6] & 1;
    m.from = get64(p + 8);
    m.to = get64(p + 16);
    m.term = get64(p + 24);
    m.log_term = get64(p + 32);
    m.index = get64(p + 40);
    m.commit = get64(p + 48);
    m.reject_hint = get64(p + 56);
    m.ctx = get64(p + 64);
    uint32_t count = get32(p + 72);
    if (count > 0 && m.type != RAFT_MSG_APP)
        return RAFT_EMSG_MALFORMED;
    /* Bound the count by what the frame can hold before trusting it. */
    if (count > (end - RAFT_MSG_HEADER_LEN) / RAFT_MSG_ENTRY_HEADER_LEN ||
        m.index + count < m.index)
        return RAFT_EMSG_MALFORMED;

    /* First pass: structure only. */
    size_t pos = RAFT_MSG_HEADER_LEN;
    for (uint32_t k = 0; k < count; k++) {
        if (end - pos < RAFT_MSG_ENTRY_HEADER_LEN)
            return RAFT_EMSG_MALFORMED;
        uint8_t type = p[pos + 8];
        uint32_t len = get32(p + pos + 9);
        pos += RAFT_MSG_ENTRY_HEADER_LEN;
        if ((type != RAFT_ENTRY_NORMAL && type != RAFT_ENTRY_NOOP) || len > end - pos)
            return RAFT_EMSG_MALFORMED;
        pos += len;
    }
    if (pos != end)
        return RAFT_EMSG_MALFORMED;

    if (count > 0) {
        size_t data = end - RAFT_MSG_HEADER_LEN - (size_t)count * RAFT_MSG_ENTRY_HEADER_LEN;
        m.entries = malloc((size_t)count * sizeof(*m.entries) + data);
        if (m.entries == NULL)
            return RAFT_ENOMEM;
        m.n_entries = count;
        uint8_t *d = (uint8_t *)(m.entries + count);
        pos = RAFT_MSG_HEADER_LEN;
        for (uint32_t k = 0; k < count; k++) {
            struct raft_entry *e = &m.entries[k];
            e->term = get64(p + pos);
            e->type = p[pos + 8];
            e->len = get32(p + pos + 9);
            e->index = m.index + 1 + k;
            e->data = NULL;
            pos += RAFT_MSG_ENTRY_HEADER_LEN;
            if (e->len) {
                memcpy(d, p + pos, e->len);
                e->data = d;
                d += e->len;
                pos += e->len;
            }
        }
    }
    *out = m;
    *consumed = frame;
    return 1;
}
