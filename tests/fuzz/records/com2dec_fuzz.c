/* com2dec_fuzz.c: libFuzzer target for the COM2 record scanner, the ARRIVAL unpacker and the trace
 * replay: any byte stream, split anywhere, decodes the same records and never crashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tools/p2pdec_parse.h"
#include "tools/p2pdec_replay.h"

static uint64_t n_cb;
static void cb(void *arg, const struct p2p_rec *r)
{
    struct p2p_replay *rp = arg;
    if (r->version < P2P_VERSION_MIN || r->version > P2P_VERSION)
        abort();
    n_cb++;
    struct p2p_arrival a;
    int rc = p2p_arrival_unpack(r, &a);
    if ((rc == 0) != (r->type == P2P_T_ARRIVAL))
        abort();
    if (rc != 0)
        return;
    /* Version 1 has no view; version 2 always has one. A re-pack gives the same record. */
    if (a.view_known != (r->version >= 2))
        abort();
    if (a.view_known) {
        struct p2p_rec back;
        p2p_arrival_pack(&a, &back);
        back.seq = r->seq;
        if (memcmp(back.d, r->d, sizeof back.d) != 0 || back.id != r->id ||
            back.flags != (r->flags & (P2P_FA_ASKED | P2P_FA_HOLE | P2P_FA_INFLIGHT | 0xFF00u)) ||
            back.subflow != r->subflow || back.t0 != r->t0)
            abort();
    }
    /* Socket numbers past the table's bound are refused, never a crash. */
    if (rp != NULL && p2p_replay_step(rp, &a, NULL) != 0 && a.conn < P2P_REPLAY_MAX_CONN)
        abort();
}

/* Structured half: records built from the input's bytes, with input bytes as line noise between
   them, must all decode (noise never hides a record that follows it). */
static void structured(const uint8_t *data, size_t size)
{
    static uint8_t stream[1 << 16];
    size_t n = 0, built = 0;
    while (size >= 13 && n + P2P_REC_LEN + 8 <= sizeof stream) {
        struct p2p_rec r;
        memset(&r, 0, sizeof r);
        r.type = (uint8_t)(1 + data[0] % 5);
        r.version = (uint8_t)(1 + (data[0] >> 3) % 2); /* both versions the decoder reads */
        r.seq = (uint32_t)built;
        memcpy(&r.id, data + 1, 8);
        r.flags = (uint16_t)(data[2] | data[3] << 8); /* unknown ARRIVAL flag bits are ignored */
        memcpy(&r.d[0], data + 9, 4);
        p2p_encode(&r, stream + n);
        n += P2P_REC_LEN;
        built++;
        size_t noise = data[0] >> 5; /* 0..7 bytes of noise */
        data += 13;
        size -= 13;
        if (noise > size)
            noise = size;
        memcpy(stream + n, data, noise);
        n += noise;
        data += noise;
        size -= noise;
    }
    struct p2pdec d;
    p2pdec_init(&d);
    struct p2p_replay rp;
    p2p_replay_init(&rp, false);
    if (p2pdec_feed(&d, stream, n, cb, &rp) != 0)
        abort();
    p2p_replay_free(&rp);
    p2pdec_finish(&d);
    if (d.records != built || d.seq_dup != 0 || p2pdec_missing(&d) != 0)
        abort();
    p2pdec_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && (data[0] & 1)) {
        structured(data + 1, size - 1);
        return 0;
    }
    struct p2pdec a, b;
    p2pdec_init(&a);
    p2pdec_init(&b);
    n_cb = 0;
    struct p2p_replay rp;
    p2p_replay_init(&rp, (size & 1) != 0);
    if (p2pdec_feed(&a, data, size, cb, &rp) != 0)
        abort();
    p2p_replay_free(&rp);
    uint64_t whole = n_cb;
    size_t cut = size > 0 ? data[0] % (size + 1) : 0;
    n_cb = 0;
    if (p2pdec_feed(&b, data, cut, cb, NULL) != 0 ||
        p2pdec_feed(&b, data + cut, size - cut, cb, NULL) != 0)
        abort();
    p2pdec_finish(&a);
    p2pdec_finish(&b);
    /* Splitting the stream must not change what decodes. */
    if (n_cb != whole || a.records != b.records || a.garbage_bytes != b.garbage_bytes)
        abort();
    (void)p2pdec_missing(&a);
    p2pdec_free(&a);
    p2pdec_free(&b);
    return 0;
}
