/* exception.c: reports every CPU exception in full and either kills the one thread that expected
 * it (self-tests) or stops the machine; #DF arrives through its own task (double_fault_task). */
#include "arch/exception.h"
#include "arch/gdt.h"
#include "arch/io.h"
#include "arch/qemu.h"
#include "core/log.h"
#include "core/symbols.h"
#include "core/thread.h"
#include "mm/paging.h"

volatile uint32_t exceptions_expected_taken;
volatile uint32_t exception_last_vector;
volatile uint32_t exception_last_cr2;
volatile uint32_t exception_last_err;
bool exception_exit_qemu;

/* Names from Intel SDM Vol. 3 §6.15, Table 6-1 (vectors 22-31 reserved except 21, 28-30). */
static const char *const names[32] = {
    "Divide Error",
    "Debug",
    "Non-Maskable Interrupt",
    "Breakpoint",
    "Overflow",
    "BOUND Range Exceeded",
    "Invalid Opcode",
    "Device Not Available",
    "Double Fault",
    "Coprocessor Segment Overrun",
    "Invalid TSS",
    "Segment Not Present",
    "Stack-Segment Fault",
    "General Protection",
    "Page Fault",
    "Reserved (15)",
    "x87 Floating-Point Error",
    "Alignment Check",
    "Machine Check",
    "SIMD Floating-Point",
    "Virtualization",
    "Control Protection",
    "Reserved (22)",
    "Reserved (23)",
    "Reserved (24)",
    "Reserved (25)",
    "Reserved (26)",
    "Reserved (27)",
    "Hypervisor Injection",
    "VMM Communication",
    "Security Exception",
    "Reserved (31)",
};

const char *exception_name(uint32_t vector)
{
    return vector < 32 ? names[vector] : "Interrupt";
}

static void print_eip(uint32_t eip)
{
    uint32_t off = 0;
    const char *fn = ksym_lookup(eip, &off);
    if (fn != NULL)
        kprintf("  EIP %08x is %s+0x%x\n", eip, fn, off);
    else
        kprintf("  EIP %08x (no symbol)\n", eip);
}

static void print_thread(void)
{
    struct thread *t = thread_current();
    if (t != NULL)
        kprintf("  thread %u '%s' prio %d stack %08x-%08x (guard page %08x)\n", t->tid, t->name,
                t->prio, t->stack_pa + 4096, thread_stack_top(t), t->stack_pa);
    else
        kprintf("  thread: none (early boot)\n");
}

/* Page-fault error code bits, SDM Vol. 3 §4.7: P, W/R, U/S, RSVD, I/D. */
static void print_pf(uint32_t err, uint32_t cr2)
{
    kprintf("  CR2 %08x: %s %s in %s mode%s%s\n", cr2,
            (err & 1) ? "protection violation" : "page not present",
            (err & 2) ? "on write" : "on read", (err & 4) ? "user" : "kernel",
            (err & 8) ? ", reserved bit set" : "", (err & 16) ? ", instruction fetch" : "");
    if (cr2 < 4096)
        kprintf("  NULL pointer dereference (address %08x is in the unmapped page 0)\n", cr2);
    struct thread *t = thread_current();
    if (t != NULL && cr2 >= t->stack_pa && cr2 < t->stack_pa + 4096)
        kprintf("  address is the guard page of this thread's stack: stack overflow\n");
}

static void stop(uint32_t vector)
{
    kprintf("EXCEPTION: machine stopped (vector %u)\n", vector);
    if (exception_exit_qemu)
        qemu_exit(QEMU_EXIT_FAULT);
    cpu_stop();
}

void exception_handle(struct trapframe *tf)
{
    uint32_t cr2 = tf->vector == 14 ? read_cr2() : 0;
    /* The faulting context's ESP: ring-0 traps push no SS:ESP, so it is just above EFLAGS. */
    uint32_t esp = (uint32_t)(uintptr_t)(&tf->eflags + 1);
    struct thread *t = thread_current();
    bool expected = t != NULL && t->fault_expected;
    kprintf("EXCEPTION %u %s, error code %08x%s\n", tf->vector, exception_name(tf->vector), tf->err,
            expected ? " (expected by a self-test)" : "");
    if (tf->vector == 14)
        print_pf(tf->err, cr2);
    print_eip(tf->eip);
    kprintf("  EAX %08x EBX %08x ECX %08x EDX %08x\n", tf->eax, tf->ebx, tf->ecx, tf->edx);
    kprintf("  ESI %08x EDI %08x EBP %08x ESP %08x\n", tf->esi, tf->edi, tf->ebp, esp);
    kprintf("  CS %04x DS %04x ES %04x FS %04x GS %04x EFLAGS %08x\n", tf->cs & 0xffff,
            tf->ds & 0xffff, tf->es & 0xffff, tf->fs & 0xffff, tf->gs & 0xffff, tf->eflags);
    kprintf("  CR0 %08x CR3 %08x\n", read_cr0(), read_cr3());
    print_thread();
    kprintf("  backtrace:\n");
    ksym_backtrace(tf->ebp, 12);
    exception_last_vector = tf->vector;
    exception_last_cr2 = cr2;
    exception_last_err = tf->err;
    if (expected) {
        exceptions_expected_taken++;
        kprintf("  killing thread '%s' (it expected this fault)\n", t->name);
        thread_exit_faulted();
    }
    stop(tf->vector);
}

void exception_unexpected_vector(struct trapframe *tf)
{
    LOGE("interrupt on vector %u with no handler (EIP %08x)", tf->vector, tf->eip);
}

/* The interrupted task's state was saved in main_tss by the task switch. Once the report is
   out, an expecting thread is killed by resuming the main task at fault_kill_entry on a clean
   stack (its own stack top: the thread is dying, nothing there is needed any more). */
static void fault_kill_entry(void)
{
    thread_exit_faulted();
}

void double_fault_task(void)
{
    struct tss *s = &main_tss;
    struct thread *t = thread_current();
    bool expected = t != NULL && t->fault_expected;
    kprintf("EXCEPTION 8 Double Fault (through the task gate, on its own stack)%s\n",
            expected ? " (expected by a self-test)" : "");
    print_eip(s->eip);
    kprintf("  EAX %08x EBX %08x ECX %08x EDX %08x\n", s->eax, s->ebx, s->ecx, s->edx);
    kprintf("  ESI %08x EDI %08x EBP %08x ESP %08x\n", s->esi, s->edi, s->ebp, s->esp);
    kprintf("  CS %04x DS %04x SS %04x EFLAGS %08x CR2 %08x\n", s->cs, s->ds, s->ss, s->eflags,
            read_cr2());
    print_thread();
    if (t != NULL && s->esp >= t->stack_pa && s->esp < t->stack_pa + 4096 + 64)
        kprintf("  ESP is in the stack guard page: kernel stack overflow\n");
    exception_last_vector = 8;
    exception_last_cr2 = read_cr2();
    if (!expected)
        stop(8);
    exceptions_expected_taken++;
    kprintf("  killing thread '%s' (it expected this fault)\n", t->name);
    s->eip = (uint32_t)(uintptr_t)fault_kill_entry;
    s->esp = thread_stack_top(t) - 16;
    s->ebp = 0;
    s->eflags = 0x2; /* IF clear: thread_exit_faulted runs with interrupts off */
    s->cs = SEL_KCODE;
    s->ds = s->es = s->fs = s->gs = s->ss = SEL_KDATA;
}
