/* t90_fault.c: exception reporting, each provoked in a sacrificial thread that expects it:
 * NULL dereference, divide error, invalid opcode, and a kernel stack overflow (#DF task gate). */
#include "arch/exception.h"
#include "core/ktest.h"
#include "core/thread.h"

/* Read through at run time so the compiler cannot see (or drop) the NULL access. */
static volatile uintptr_t null_addr = 0;

static void null_read(void *arg)
{
    (void)arg;
    thread_current()->fault_expected = true;
    volatile uint32_t *p = (volatile uint32_t *)null_addr;
    (void)*p;
}

static void divide(void *arg)
{
    thread_current()->fault_expected = true;
    volatile uint32_t zero = (uint32_t)(uintptr_t)arg;
    volatile uint32_t x = 10 / zero;
    (void)x;
}

static void bad_opcode(void *arg)
{
    (void)arg;
    thread_current()->fault_expected = true;
    __asm__ volatile("ud2");
}

/* Each frame holds 512 bytes; recursion runs off the 16 KiB stack into the guard page long
   before the (volatile, so not provably unreachable) depth limit. */
static volatile uint32_t depth_limit = 0xffffffffu;

static uint32_t recurse(uint32_t depth)
{
    volatile uint8_t pad[512];
    if (depth >= depth_limit)
        return 0;
    pad[0] = (uint8_t)depth;
    pad[511] = (uint8_t)depth;
    return recurse(depth + 1) + pad[0] + pad[511];
}

static void overflow(void *arg)
{
    (void)arg;
    thread_current()->fault_expected = true;
    (void)recurse(0);
}

/* Kernel text is read-only even for ring 0 (CR0.WP): a write must fault, not patch code. */
static void write_text(void *arg)
{
    (void)arg;
    thread_current()->fault_expected = true;
    *(volatile uint8_t *)(uintptr_t)&write_text = 0x90;
}

/* Loading a selector beyond the GDT limit is a general-protection fault (SDM Vol. 3 §6.15). */
static void bad_selector(void *arg)
{
    (void)arg;
    thread_current()->fault_expected = true;
    __asm__ volatile("mov $0x1238, %%ax; mov %%ax, %%fs" ::: "eax");
}

static void expect_fault(void (*fn)(void *), uint32_t vector, const char *name)
{
    uint32_t taken = exceptions_expected_taken;
    struct thread *t = thread_create(name, fn, NULL, PRIO_DEFAULT);
    KEXPECT(t != NULL);
    KEXPECT_EQ(thread_join(t), (uint64_t)(int64_t)-1);
    KEXPECT_EQ(exceptions_expected_taken, taken + 1);
    KEXPECT_EQ(exception_last_vector, vector);
}

KTEST(fault, null_dereference_reported)
{
    expect_fault(null_read, 14, "null-read");
    KEXPECT_EQ(exception_last_cr2, 0);
}

KTEST(fault, write_to_text_is_a_protection_fault)
{
    expect_fault(write_text, 14, "write-text");
    KEXPECT_EQ(exception_last_cr2, (uint32_t)(uintptr_t)&write_text);
    /* Page-fault error code (SDM Vol. 3 §4.7): present (bit 0) and write (bit 1). */
    KEXPECT_EQ(exception_last_err & 3, 3);
}

KTEST(fault, bad_selector_is_general_protection)
{
    expect_fault(bad_selector, 13, "bad-selector");
    /* #GP error code = the offending selector (index | TI | RPL bits, SDM §6.13). */
    KEXPECT_EQ(exception_last_err & 0xfff8, 0x1238);
}

KTEST(fault, divide_error_reported)
{
    expect_fault(divide, 0, "divide");
}

KTEST(fault, invalid_opcode_reported)
{
    expect_fault(bad_opcode, 6, "ud2");
}

KTEST(fault, stack_overflow_via_double_fault_task)
{
    expect_fault(overflow, 8, "overflow");
    /* The #DF task is re-entrant (it loops back to its entry after iret): a second overflow is
       reported the same way, and the machine still runs threads normally afterwards. */
    expect_fault(overflow, 8, "overflow-again");
    expect_fault(null_read, 14, "null-read-after-df");
}
