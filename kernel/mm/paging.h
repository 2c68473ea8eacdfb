/* paging.h: 4 KiB two-level paging; RAM is identity-mapped (phys == virt) except guard pages. */
#ifndef NETSYNC_PAGING_H
#define NETSYNC_PAGING_H
#include "lib/klib.h"

/* Page-table entry bits, Intel SDM Vol. 3 §4.3, Table 4-6. */
#define PTE_P   0x001u /* present */
#define PTE_W   0x002u /* writable */
#define PTE_U   0x004u /* user accessible */
#define PTE_PWT 0x008u /* write-through */
#define PTE_PCD 0x010u /* cache disable: MMIO */

/* Identity-maps RAM up to ram_top (page 0 left unmapped so NULL dereferences fault), makes the
   kernel text read-only, unmaps the boot stack's guard page, and turns paging on. */
void paging_init(uint32_t ram_top);
int vm_map(uint32_t va, uint32_t pa, uint32_t flags);
/* Unmaps one page (used for guard pages); returns the old entry or 0 when it was not mapped. */
uint32_t vm_unmap(uint32_t va);
bool vm_is_mapped(uint32_t va);
/* The page-table entry for va (0 when there is none). */
uint32_t vm_pte(uint32_t va);
/* Identity-maps [pa, pa+len) uncached for device registers; 0 on success. */
int vm_map_mmio(uint32_t pa, uint32_t len);
/* Physical address behind a kernel virtual address, or 0 if unmapped (for DMA descriptors). */
uint32_t vm_virt_to_phys(const void *va);
/* Kernel pointer for a physical address in identity-mapped RAM. */
static inline void *phys_to_virt(uint32_t pa)
{
    return (void *)(uintptr_t)pa;
}
uint32_t paging_cr3(void);

#endif
