/* pmm.h: the physical page allocator (bitmap fed by the Multiboot memory map). */
#ifndef NETSYNC_PMM_H
#define NETSYNC_PMM_H
#include "lib/klib.h"

#define PAGE_SIZE  4096u
#define PAGE_SHIFT 12
/* Physical memory we manage: the first 1 GiB (identity-mapped, so phys == virt below it). */
#define PMM_MAX_BYTES (1024u * 1024u * 1024u)

struct pmm_stats {
    uint32_t total_pages; /* pages the memory map calls available (below PMM_MAX_BYTES) */
    uint32_t free_pages;
    uint32_t reserved_pages; /* available but taken at boot: low 1 MiB, kernel image */
    uint32_t allocs, frees, failures;
    uint32_t top; /* one past the highest available byte we manage */
};

/* map/len: the Multiboot memory map; [kstart, kend) the kernel image. Panics when malformed. */
void pmm_init(const uint8_t *map, uint32_t len, uint32_t kstart, uint32_t kend);
/* One page; returns its physical address, or 0 when memory is exhausted (page 0 is never free). */
uint32_t pmm_alloc(void);
/* n physically contiguous pages whose first page number is a multiple of align_pages
   (a power of two); returns the physical address or 0. Virtqueues need this. */
uint32_t pmm_alloc_contig(uint32_t n, uint32_t align_pages);
/* Frees what pmm_alloc/pmm_alloc_contig returned; freeing a free page panics (double free). */
void pmm_free(uint32_t pa);
void pmm_free_contig(uint32_t pa, uint32_t n);
bool pmm_is_free(uint32_t pa);
void pmm_get_stats(struct pmm_stats *s);

#endif
