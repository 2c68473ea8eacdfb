/* hostgen_proto.c: libFuzzer target for the request protocol header parser and payload verifier. */
#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/proto/rpc_proto.h"

/*
 * Input: bytes 0..31 are a header as received; the rest is a payload checked against the pattern
 * of the parsed id in pieces whose sizes come from the input itself, in order and then from the
 * back, so every split and overlap-free order is reachable.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rpc_hdr h;
    int rc = rpc_hdr_unpack(data, size, &h);
    ASSERT(rpc_err_name(rc) != NULL, "every code has a name");
    if (rc != RPC_OK)
        return 0;
    uint8_t again[RPC_HDR_LEN];
    rpc_hdr_pack(&h, again);
    ASSERT(memcmp(again, data, RPC_HDR_LEN) == 0, "pack(unpack(x)) == x for a valid header");

    const uint8_t *p = data + RPC_HDR_LEN;
    size_t n = size - RPC_HDR_LEN;
    uint64_t len = h.req_len % 4096u;
    struct rpc_verifier v;
    rpc_verify_init(&v, h.id, (h.flags & 1u) ? RPC_DIR_RESPONSE : RPC_DIR_REQUEST, len);
    size_t off = 0;
    while (off < n) {
        size_t step = 1u + p[off] % 61u;
        if (step > n - off)
            step = n - off;
        rpc_verify_feed(&v, p + off, step);
        off += step;
    }
    ASSERT(v.seen + v.excess == n, "every byte accounted once");
    ASSERT(v.bad <= v.seen, "bad bytes are a subset of seen ones");
    /* Same bytes checked back to front must give the same count. */
    struct rpc_verifier w;
    rpc_verify_init(&w, v.id, v.dir, len);
    for (size_t end = n; end > 0;) {
        size_t step = end < 13 ? end : 13;
        rpc_verify_at(&w, end - step, p + end - step, step);
        end -= step;
    }
    ASSERT(w.bad == v.bad && w.first_bad == v.first_bad, "order does not change the verdict");
    return 0;
}
