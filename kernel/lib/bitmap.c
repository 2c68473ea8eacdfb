/* bitmap.c: bit-per-page bookkeeping for the physical memory manager; hardware-free, host-tested.
 */
#include "bitmap.h"

void bitmap_init(struct bitmap *b, uint32_t *words, uint32_t nbits)
{
    b->words = words;
    b->nbits = nbits;
    memset(words, 0xff, BITMAP_WORDS(nbits) * sizeof(uint32_t));
}

bool bitmap_test(const struct bitmap *b, uint32_t bit)
{
    ASSERT(bit < b->nbits, "bit index beyond the bitmap");
    return (b->words[bit / 32] >> (bit % 32)) & 1u;
}

void bitmap_set_range(struct bitmap *b, uint32_t first, uint32_t n)
{
    ASSERT(first <= b->nbits && n <= b->nbits - first, "range beyond the bitmap");
    for (uint32_t i = first; i < first + n; i++)
        b->words[i / 32] |= 1u << (i % 32);
}

void bitmap_clear_range(struct bitmap *b, uint32_t first, uint32_t n)
{
    ASSERT(first <= b->nbits && n <= b->nbits - first, "range beyond the bitmap");
    for (uint32_t i = first; i < first + n; i++)
        b->words[i / 32] &= ~(1u << (i % 32));
}

bool bitmap_all_set(const struct bitmap *b, uint32_t first, uint32_t n)
{
    if (first > b->nbits || n > b->nbits - first)
        return false;
    for (uint32_t i = first; i < first + n; i++) {
        if (!bitmap_test(b, i))
            return false;
    }
    return true;
}

int64_t bitmap_find_clear(const struct bitmap *b, uint32_t n, uint32_t align, uint32_t from)
{
    ASSERT(align != 0 && (align & (align - 1)) == 0, "alignment must be a power of two");
    if (n == 0 || n > b->nbits)
        return -1;
    uint64_t start = ((uint64_t)from + align - 1) & ~(uint64_t)(align - 1);
    while (start + n <= b->nbits) {
        uint32_t s = (uint32_t)start;
        /* Skip whole full words quickly: the common case in a busy map. */
        if (s % 32 == 0 && b->words[s / 32] == 0xffffffffu) {
            start = ((uint64_t)s + 32 + align - 1) & ~(uint64_t)(align - 1);
            continue;
        }
        uint32_t i = 0;
        while (i < n && !bitmap_test(b, s + i))
            i++;
        if (i == n)
            return s;
        /* Bit s+i is used: the next candidate starts after it, rounded up to the alignment. */
        start = ((uint64_t)s + i + 1 + align - 1) & ~(uint64_t)(align - 1);
    }
    return -1;
}
