/* p2pdec_parse.c: resynchronising record scanner (magic + CRC) and the sequence bookkeeping. */
#include "tools/p2pdec_parse.h"
#include <stdlib.h>
#include <string.h>

void p2pdec_init(struct p2pdec *d)
{
    memset(d, 0, sizeof(*d));
}

void p2pdec_free(struct p2pdec *d)
{
    free(d->seen);
    d->seen = NULL;
    d->seen_cap = 0;
}

static int note_seq(struct p2pdec *d, uint32_t seq)
{
    if (seq >= P2PDEC_MAX_SEQ) {
        d->seq_range++;
        return 0;
    }
    if ((size_t)seq >= d->seen_cap) {
        size_t cap = d->seen_cap ? d->seen_cap : 4096;
        while (cap <= (size_t)seq)
            cap *= 2;
        uint8_t *n = realloc(d->seen, cap);
        if (n == NULL)
            return -1;
        memset(n + d->seen_cap, 0, cap - d->seen_cap);
        d->seen = n;
        d->seen_cap = cap;
    }
    if (d->seen[seq])
        d->seq_dup++;
    d->seen[seq] = 1;
    if (!d->any_seq || seq > d->seq_max)
        d->seq_max = seq;
    d->any_seq = true;
    return 0;
}

static void note_rec(struct p2pdec *d, const struct p2p_rec *r)
{
    d->records++;
    switch (r->type) {
    case P2P_T_REQUEST:
        d->requests++;
        break;
    case P2P_T_LOSS:
        d->loss_reported = r->id;
        break;
    case P2P_T_HOG:
        if (r->conn < P2PDEC_MAX_HOGS) {
            int i = (int)r->conn;
            if (i >= d->hogs) {
                for (int k = d->hogs; k <= i; k++)
                    d->hog_t_first[k] = d->hog_t_last[k] = d->hog_w_first[k] = d->hog_w_last[k] = 0;
                d->hogs = i + 1;
            }
            if (d->hog_t_first[i] == 0) {
                d->hog_t_first[i] = r->t0;
                d->hog_w_first[i] = r->id;
            }
            d->hog_t_last[i] = r->t0;
            d->hog_w_last[i] = r->id;
        }
        break;
    case P2P_T_POLICY:
        d->policy = *r;
        d->have_policy = true;
        break;
    default:
        break;
    }
}

/* Tries a record at p (P2P_REC_LEN bytes): 1 taken, 0 not a record here. */
static int try_rec(struct p2pdec *d, const uint8_t *p, p2pdec_fn fn, void *arg, int *err)
{
    struct p2p_rec r;
    int rc = p2p_decode(p, &r);
    if (rc == -1)
        return 0;
    if (rc == -3) {
        d->bad_crc++;
        return 0;
    }
    if (rc == -2) {
        d->bad_version++;
        return 0;
    }
    if (note_seq(d, r.seq) != 0)
        *err = -1;
    note_rec(d, &r);
    if (fn != NULL)
        fn(arg, &r);
    return 1;
}

int p2pdec_feed(struct p2pdec *d, const uint8_t *p, size_t n, p2pdec_fn fn, void *arg)
{
    int err = 0;
    /* Finish a record split over the previous feed: slide byte by byte through the carry. */
    while (d->carry_len > 0 && n > 0) {
        size_t take = P2P_REC_LEN - d->carry_len;
        if (take > n)
            take = n;
        memcpy(d->carry + d->carry_len, p, take);
        if (d->carry_len + take < P2P_REC_LEN) {
            d->carry_len += take;
            return err;
        }
        if (try_rec(d, d->carry, fn, arg, &err)) {
            d->carry_len = 0;
            p += take;
            n -= take;
            break;
        }
        /* Not a record at the carry's start: drop one byte and retry with what we have. */
        d->garbage_bytes++;
        memmove(d->carry, d->carry + 1, P2P_REC_LEN - 1);
        d->carry_len = P2P_REC_LEN - 1;
        p += take;
        n -= take;
        /* carry now holds the last 63 bytes; the loop continues with the rest of p. */
    }
    size_t i = 0;
    while (n - i >= P2P_REC_LEN) {
        if (try_rec(d, p + i, fn, arg, &err))
            i += P2P_REC_LEN;
        else {
            d->garbage_bytes++;
            i++;
        }
    }
    memcpy(d->carry + d->carry_len, p + i, n - i);
    d->carry_len += n - i;
    return err;
}

void p2pdec_finish(struct p2pdec *d)
{
    d->garbage_bytes += d->carry_len;
    d->carry_len = 0;
}

uint64_t p2pdec_missing(const struct p2pdec *d)
{
    if (!d->any_seq)
        return 0;
    uint64_t m = 0;
    for (uint32_t s = 0; s <= d->seq_max; s++)
        m += d->seen[s] ? 0 : 1;
    return m;
}
