/* bitmap.h: a bit-per-page map with first-fit searches for aligned runs of clear bits. */
#ifndef NETSYNC_BITMAP_H
#define NETSYNC_BITMAP_H
#include "klib.h"

struct bitmap {
    uint32_t *words;
    uint32_t nbits;
};

#define BITMAP_WORDS(nbits) (((nbits) + 31u) / 32u)

/* The caller provides storage for BITMAP_WORDS(nbits) words; all bits start set (= in use). */
void bitmap_init(struct bitmap *b, uint32_t *words, uint32_t nbits);
bool bitmap_test(const struct bitmap *b, uint32_t bit);
void bitmap_set_range(struct bitmap *b, uint32_t first, uint32_t n);
void bitmap_clear_range(struct bitmap *b, uint32_t first, uint32_t n);
/* True when every bit of [first, first+n) is set (used to catch double frees). */
bool bitmap_all_set(const struct bitmap *b, uint32_t first, uint32_t n);
/*
 * Finds the lowest run of n clear bits starting at a multiple of align (a power of two) and at
 * or after from. Returns the first bit, or -1 when there is none. Does not modify the map.
 */
int64_t bitmap_find_clear(const struct bitmap *b, uint32_t n, uint32_t align, uint32_t from);

#endif
