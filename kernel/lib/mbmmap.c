/* mbmmap.c: Multiboot v1 memory-map walker; never reads outside the buffer whatever the bytes say.
 */
#include "mbmmap.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int mbmmap_next(const uint8_t *map, uint32_t len, uint32_t *off, struct mb_region *r)
{
    uint32_t o = *off;
    if (o >= len)
        return 0;
    if (len - o < 4)
        return -1;
    uint32_t size = rd32(map + o);
    /* Multiboot v1 §3.3: the next entry starts at this one + size + 4 (the size field itself). */
    if (size < MB_MMAP_ENTRY_MIN || size > len - o - 4)
        return -1;
    r->base = rd64(map + o + 4);
    r->len = rd64(map + o + 12);
    r->type = rd32(map + o + 20);
    *off = o + 4 + size;
    return 1;
}
