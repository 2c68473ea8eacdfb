/* panic.c: the kernel's panic(): report, backtrace, then halt (or exit QEMU when asked). */
#include "arch/io.h"
#include "arch/qemu.h"
#include "core/cmdline.h"
#include "core/log.h"
#include "core/symbols.h"
#include "core/thread.h"

/* panic=exit makes a panic leave QEMU with QEMU_EXIT_PANIC (selftest implies it). */
bool panic_exits_qemu;

static int set_panic(const char *v, size_t n)
{
    if (v != NULL && n == 4 && memcmp(v, "halt", 4) == 0)
        panic_exits_qemu = false;
    else if (v != NULL && n == 4 && memcmp(v, "exit", 4) == 0)
        panic_exits_qemu = true;
    else
        return -1;
    return 0;
}
KPARAM(panic, set_panic, "halt | exit: what a panic does after its report (default halt)");

void panic(const char *fmt, ...)
{
    __asm__ volatile("cli");
    static int depth;
    if (++depth > 1) {
        /* A panic while panicking: say the least possible and stop. */
        kprintf("\nPANIC (nested)\n");
        if (panic_exits_qemu)
            qemu_exit(QEMU_EXIT_PANIC);
        cpu_stop();
    }
    kprintf("\nPANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    struct thread *t = thread_current();
    if (t != NULL) {
        kprintf("  thread %u '%s'\n", t->tid, t->name);
        thread_dump();
    }
    uint32_t ebp;
    __asm__ volatile("mov %%ebp, %0" : "=r"(ebp));
    kprintf("  backtrace:\n");
    ksym_backtrace(ebp, 16);
    if (panic_exits_qemu)
        qemu_exit(QEMU_EXIT_PANIC);
    cpu_stop();
}
