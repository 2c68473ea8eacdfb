/* pmm.c: physical page allocator over lib/bitmap.c; one bit per 4 KiB page, set = in use. */
#include "mm/pmm.h"
#include "arch/io.h"
#include "core/log.h"
#include "lib/bitmap.h"
#include "lib/mbmmap.h"

#define MAX_PAGES (PMM_MAX_BYTES / PAGE_SIZE)
/* Conventional memory, BIOS data and the VGA/ROM hole: never handed out (our boot data lives
   there too when QEMU loads us). */
#define LOW_RESERVED 0x100000u

static uint32_t words[BITMAP_WORDS(MAX_PAGES)];
static struct bitmap map;
static struct pmm_stats st;

void pmm_init(const uint8_t *mm, uint32_t len, uint32_t kstart, uint32_t kend)
{
    bitmap_init(&map, words, MAX_PAGES);
    uint32_t off = 0;
    struct mb_region r;
    int rc;
    while ((rc = mbmmap_next(mm, len, &off, &r)) == 1) {
        LOGD("pmm: region %08x%08x +%08x%08x type %u", (uint32_t)(r.base >> 32), (uint32_t)r.base,
             (uint32_t)(r.len >> 32), (uint32_t)r.len, r.type);
        if (r.type != MB_MMAP_AVAILABLE || r.base >= PMM_MAX_BYTES)
            continue;
        uint64_t end = r.base + r.len;
        if (end > PMM_MAX_BYTES)
            end = PMM_MAX_BYTES;
        /* Only whole pages inside the region are usable. */
        uint32_t first = (uint32_t)((r.base + PAGE_SIZE - 1) >> PAGE_SHIFT);
        uint32_t last = (uint32_t)(end >> PAGE_SHIFT);
        if (last <= first)
            continue;
        for (uint32_t p = first; p < last; p++) {
            if (bitmap_test(&map, p)) {
                bitmap_clear_range(&map, p, 1);
                st.total_pages++;
            }
        }
        if (last * PAGE_SIZE > st.top)
            st.top = last * PAGE_SIZE;
    }
    if (rc < 0)
        panic("pmm: malformed Multiboot memory map at offset %u of %u", off, len);
    if (st.total_pages == 0)
        panic("pmm: the memory map has no available RAM");

    /* Take back the low 1 MiB and the kernel image. */
    uint32_t kfirst = kstart >> PAGE_SHIFT, klast = (kend + PAGE_SIZE - 1) >> PAGE_SHIFT;
    for (uint32_t p = 0; p < MAX_PAGES; p++) {
        bool reserve = p < LOW_RESERVED / PAGE_SIZE || (p >= kfirst && p < klast);
        if (reserve && !bitmap_test(&map, p)) {
            bitmap_set_range(&map, p, 1);
            st.reserved_pages++;
        }
        if (p * PAGE_SIZE >= st.top && p >= klast)
            break;
    }
    st.free_pages = st.total_pages - st.reserved_pages;
    LOGI("pmm: %u KiB available, %u KiB free, top %08x", st.total_pages * 4, st.free_pages * 4,
         st.top);
}

uint32_t pmm_alloc_contig(uint32_t n, uint32_t align_pages)
{
    if (n == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) != 0)
        return 0;
    uint32_t f = irq_save();
    int64_t first = bitmap_find_clear(&map, n, align_pages, 0);
    if (first < 0) {
        st.failures++;
        irq_restore(f);
        return 0;
    }
    bitmap_set_range(&map, (uint32_t)first, n);
    st.free_pages -= n;
    st.allocs++;
    irq_restore(f);
    return (uint32_t)first << PAGE_SHIFT;
}

uint32_t pmm_alloc(void)
{
    return pmm_alloc_contig(1, 1);
}

void pmm_free_contig(uint32_t pa, uint32_t n)
{
    ASSERT((pa & (PAGE_SIZE - 1)) == 0, "freeing an unaligned physical address");
    uint32_t first = pa >> PAGE_SHIFT;
    uint32_t f = irq_save();
    if (!bitmap_all_set(&map, first, n))
        panic("pmm: double free or foreign pages at %08x (+%u pages)", pa, n);
    bitmap_clear_range(&map, first, n);
    st.free_pages += n;
    st.frees++;
    irq_restore(f);
}

void pmm_free(uint32_t pa)
{
    pmm_free_contig(pa, 1);
}

bool pmm_is_free(uint32_t pa)
{
    uint32_t p = pa >> PAGE_SHIFT;
    return p < MAX_PAGES && !bitmap_test(&map, p);
}

void pmm_get_stats(struct pmm_stats *s)
{
    uint32_t f = irq_save();
    *s = st;
    irq_restore(f);
}
