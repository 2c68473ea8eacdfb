/* paging.c: builds the kernel page tables (identity map with holes) and edits them at run time. */
#include "mm/paging.h"
#include "arch/gdt.h"
#include "arch/io.h"
#include "core/log.h"
#include "mm/pmm.h"

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
extern const char _text_start[], _text_end[], _rodata_end[];
extern char boot_stack_guard[];

/* CR0.PG enables paging, CR0.WP makes read-only pages binding in ring 0 (SDM Vol. 3 §2.5). */
#define CR0_PG (1u << 31)
#define CR0_WP (1u << 16)

static uint32_t *table_for(uint32_t va, bool create)
{
    uint32_t pde = page_dir[va >> 22];
    if (pde & PTE_P)
        return (uint32_t *)(uintptr_t)(pde & ~0xFFFu);
    if (!create)
        return NULL;
    uint32_t pt = pmm_alloc();
    if (pt == 0)
        return NULL;
    /* Before paging is on, and after (page tables live in identity-mapped RAM), pt is usable. */
    memset((void *)(uintptr_t)pt, 0, PAGE_SIZE);
    /* Directory entries are permissive; the page-table entries carry the real permissions. */
    page_dir[va >> 22] = pt | PTE_P | PTE_W;
    return (uint32_t *)(uintptr_t)pt;
}

int vm_map(uint32_t va, uint32_t pa, uint32_t flags)
{
    uint32_t f = irq_save();
    uint32_t *pt = table_for(va, true);
    if (pt == NULL) {
        irq_restore(f);
        return -1;
    }
    pt[(va >> 12) & 0x3FF] = (pa & ~0xFFFu) | (flags & 0xFFFu) | PTE_P;
    invlpg(va);
    irq_restore(f);
    return 0;
}

uint32_t vm_unmap(uint32_t va)
{
    uint32_t f = irq_save();
    uint32_t *pt = table_for(va, false);
    uint32_t old = 0;
    if (pt != NULL) {
        old = pt[(va >> 12) & 0x3FF];
        pt[(va >> 12) & 0x3FF] = 0;
        invlpg(va);
    }
    irq_restore(f);
    return old;
}

static uint32_t lookup(uint32_t va)
{
    uint32_t *pt = table_for(va, false);
    return pt != NULL ? pt[(va >> 12) & 0x3FF] : 0;
}

uint32_t vm_pte(uint32_t va)
{
    return lookup(va);
}

bool vm_is_mapped(uint32_t va)
{
    return (lookup(va) & PTE_P) != 0;
}

uint32_t vm_virt_to_phys(const void *p)
{
    uint32_t va = (uint32_t)(uintptr_t)p;
    uint32_t pte = lookup(va);
    if ((pte & PTE_P) == 0)
        return 0;
    return (pte & ~0xFFFu) | (va & 0xFFFu);
}

int vm_map_mmio(uint32_t pa, uint32_t len)
{
    uint32_t first = pa & ~0xFFFu;
    uint64_t end = (uint64_t)pa + len;
    for (uint64_t a = first; a < end; a += PAGE_SIZE) {
        if (vm_map((uint32_t)a, (uint32_t)a, PTE_W | PTE_PCD | PTE_PWT) != 0)
            return -1;
    }
    return 0;
}

uint32_t paging_cr3(void)
{
    return (uint32_t)(uintptr_t)page_dir;
}

void paging_init(uint32_t ram_top)
{
    uint32_t text_lo = (uint32_t)(uintptr_t)_text_start;
    uint32_t text_hi = ((uint32_t)(uintptr_t)_rodata_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    /* Page 0 stays unmapped: any NULL (or small-offset) dereference page-faults. Paging is
       still off, so entries are written directly (no TLB to keep coherent). */
    for (uint32_t va = PAGE_SIZE; va < ram_top && va != 0; va += PAGE_SIZE) {
        uint32_t flags = PTE_W;
        if (va >= text_lo && va < text_hi)
            flags = 0; /* text, rodata and the registration tables are read-only */
        uint32_t *pt = table_for(va, true);
        if (pt == NULL)
            panic("paging: out of memory for page tables at %08x", va);
        pt[(va >> 12) & 0x3FF] = va | flags | PTE_P;
    }
    vm_unmap((uint32_t)(uintptr_t)boot_stack_guard);
    gdt_set_cr3(paging_cr3());
    write_cr3(paging_cr3());
    write_cr0(read_cr0() | CR0_PG | CR0_WP);
    LOGI("paging: identity map 4 KiB..%08x, NULL page and boot stack guard %08x unmapped", ram_top,
         (uint32_t)(uintptr_t)boot_stack_guard);
}
