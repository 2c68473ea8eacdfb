/* t30_paging.c: self-tests of the page tables: NULL page, guard pages, mappings, permissions. */
#include "core/ktest.h"
#include "core/thread.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "mm/pmm.h"

extern const char _text_start[];
extern char boot_stack_guard[];

KTEST(paging, null_page_unmapped)
{
    KEXPECT(!vm_is_mapped(0));
    KEXPECT(!vm_is_mapped(0xFFF));
    KEXPECT(vm_is_mapped(0x1000));
}

KTEST(paging, guard_pages_unmapped)
{
    KEXPECT(!vm_is_mapped((uint32_t)(uintptr_t)boot_stack_guard));
    struct thread *self = thread_current();
    KEXPECT(!vm_is_mapped(self->stack_pa));
    KEXPECT(vm_is_mapped(self->stack_pa + PAGE_SIZE));
}

KTEST(paging, text_read_only)
{
    uint32_t pte = vm_pte((uint32_t)(uintptr_t)_text_start);
    KEXPECT(pte & PTE_P);
    KEXPECT_EQ(pte & PTE_W, 0);
    int x = 0;
    KEXPECT(vm_pte((uint32_t)(uintptr_t)&x) & PTE_W);
}

KTEST(paging, map_alias_and_unmap)
{
    uint32_t pa = pmm_alloc();
    KEXPECT(pa != 0);
    /* An alias far above RAM: writes through it must land in the identity-mapped page. */
    const uint32_t va = 0xD0000000u;
    KEXPECT_EQ(vm_map(va, pa, PTE_W), 0);
    *(volatile uint32_t *)(uintptr_t)(va + 8) = 0x5ca1ab1e;
    KEXPECT_EQ(*(volatile uint32_t *)(uintptr_t)(pa + 8), 0x5ca1ab1e);
    KEXPECT_EQ(vm_virt_to_phys((void *)(uintptr_t)(va + 8)), pa + 8);
    KEXPECT(vm_unmap(va) & PTE_P);
    KEXPECT(!vm_is_mapped(va));
    KEXPECT_EQ(vm_virt_to_phys((void *)(uintptr_t)va), 0);
    pmm_free(pa);
}

KTEST(paging, virt_to_phys_identity)
{
    void *p = kmalloc(100);
    KEXPECT(p != NULL);
    KEXPECT_EQ(vm_virt_to_phys(p), (uint32_t)(uintptr_t)p);
    KEXPECT(phys_to_virt(vm_virt_to_phys(p)) == p);
    kfree(p);
}
