/* symbols.c: address -> name lookups over build/kernel/ksyms.asm (generated from `nm` by
 * kernel.mk). */
#include "core/symbols.h"
#include "arch/io.h"
#include "core/log.h"
#include "mm/paging.h"

struct ksym {
    uint32_t addr;
    const char *name;
};

/* Laid out by the generated ksyms.asm: a count, then (address, name) pairs sorted by address. */
extern const struct {
    uint32_t count;
    struct ksym syms[];
} ksym_table;
extern const char _text_start[], _text_end[];

const char *ksym_lookup(uint32_t addr, uint32_t *off)
{
    if (addr < (uint32_t)(uintptr_t)_text_start || addr >= (uint32_t)(uintptr_t)_text_end)
        return NULL;
    uint32_t lo = 0, hi = ksym_table.count;
    /* Binary search for the last symbol at or below addr. */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ksym_table.syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    *off = addr - ksym_table.syms[lo - 1].addr;
    return ksym_table.syms[lo - 1].name;
}

void ksym_backtrace(uint32_t ebp, int max_frames)
{
    for (int i = 0; i < max_frames && ebp != 0; i++) {
        /* Only follow frames inside identity-mapped RAM and 4-byte aligned: never fault here. */
        if (ebp < 0x1000 || (ebp & 3) != 0)
            break;
        /* With paging on (CR0.PG, bit 31), a corrupt chain may point at unmapped memory. */
        if ((read_cr0() & 0x80000000u) && (!vm_is_mapped(ebp) || !vm_is_mapped(ebp + 4)))
            break;
        const uint32_t *frame = (const uint32_t *)(uintptr_t)ebp;
        uint32_t ret = frame[1];
        if (ret == 0)
            break; /* a thread's first frame (thread_start) has a zero return address */
        uint32_t off = 0;
        const char *name = ksym_lookup(ret, &off);
        kprintf("  #%d %08x %s+0x%x\n", i, ret, name != NULL ? name : "?", off);
        if (frame[0] <= ebp)
            break; /* stacks grow down: the caller's frame is above ours */
        ebp = frame[0];
    }
}
