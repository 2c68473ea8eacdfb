/* mbmmap.h: a bounds-checked walker over the Multiboot v1 memory map (untrusted boot input). */
#ifndef NETSYNC_MBMMAP_H
#define NETSYNC_MBMMAP_H
#include "klib.h"

/* Multiboot v1 spec §3.3, "mmap_*": type 1 is available RAM; every other value is reserved. */
#define MB_MMAP_AVAILABLE 1u
/* Multiboot v1 spec §3.3: an entry is size(4) base_addr(8) length(8) type(4); size excludes itself.
 */
#define MB_MMAP_ENTRY_MIN 20u

struct mb_region {
    uint64_t base;
    uint64_t len;
    uint32_t type;
};

/*
 * Reads the entry at *off of a map of len bytes. Returns 1 with *r filled and *off advanced,
 * 0 at the clean end, -1 when the map is malformed (entry too small or running past the end).
 */
int mbmmap_next(const uint8_t *map, uint32_t len, uint32_t *off, struct mb_region *r);

#endif
