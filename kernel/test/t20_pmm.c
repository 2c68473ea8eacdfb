/* t20_pmm.c: self-tests of the physical page allocator. */
#include "core/ktest.h"
#include "mm/pmm.h"

extern char _kernel_start[], _kernel_end[];

KTEST(pmm, alloc_free_counters)
{
    struct pmm_stats a, b, c;
    pmm_get_stats(&a);
    uint32_t p = pmm_alloc();
    KEXPECT(p != 0);
    KEXPECT_EQ(p & (PAGE_SIZE - 1), 0);
    KEXPECT(!pmm_is_free(p));
    pmm_get_stats(&b);
    KEXPECT_EQ(b.free_pages, a.free_pages - 1);
    KEXPECT_EQ(b.allocs, a.allocs + 1);
    pmm_free(p);
    pmm_get_stats(&c);
    KEXPECT(pmm_is_free(p));
    KEXPECT_EQ(c.free_pages, a.free_pages);
    KEXPECT_EQ(c.frees, a.frees + 1);
}

KTEST(pmm, never_hands_out_reserved)
{
    uint32_t pages[64];
    uint32_t ks = (uint32_t)(uintptr_t)_kernel_start, ke = (uint32_t)(uintptr_t)_kernel_end;
    for (int i = 0; i < 64; i++) {
        pages[i] = pmm_alloc();
        KEXPECT(pages[i] >= 0x100000u);
        KEXPECT(pages[i] >= ke || pages[i] + PAGE_SIZE <= ks);
        for (int j = 0; j < i; j++)
            KEXPECT(pages[j] != pages[i]);
    }
    for (int i = 0; i < 64; i++)
        pmm_free(pages[i]);
}

KTEST(pmm, contiguous_aligned)
{
    uint32_t p = pmm_alloc_contig(8, 8);
    KEXPECT(p != 0);
    KEXPECT_EQ(p & (8 * PAGE_SIZE - 1), 0);
    for (uint32_t i = 0; i < 8; i++)
        KEXPECT(!pmm_is_free(p + i * PAGE_SIZE));
    /* Every byte is usable RAM (identity-mapped): write a pattern and read it back. */
    volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)p;
    for (uint32_t i = 0; i < 8 * PAGE_SIZE / 4; i++)
        w[i] = i * 2654435761u;
    bool same = true;
    for (uint32_t i = 0; i < 8 * PAGE_SIZE / 4; i++)
        same = same && w[i] == i * 2654435761u;
    KEXPECT(same);
    pmm_free_contig(p, 8);
    for (uint32_t i = 0; i < 8; i++)
        KEXPECT(pmm_is_free(p + i * PAGE_SIZE));
}

KTEST(pmm, exhaustion_is_reported)
{
    struct pmm_stats a, b;
    pmm_get_stats(&a);
    KEXPECT_EQ(pmm_alloc_contig(a.total_pages + 1, 1), 0);
    KEXPECT_EQ(pmm_alloc_contig(4, 3), 0); /* alignment not a power of two: refused */
    pmm_get_stats(&b);
    KEXPECT_EQ(b.failures, a.failures + 1);
    KEXPECT_EQ(b.free_pages, a.free_pages);
}
