/* main.c: kmain, the boot sequence: each step one line, in the order the hardware needs them. */
#include "arch/exception.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "arch/pic.h"
#include "arch/qemu.h"
#include "core/clock.h"
#include "core/cmdline.h"
#include "core/ktest.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/thread.h"
#include "core/timer.h"
#include "dev/serial.h"
#include "mm/heap.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "services/services.h"

/* Multiboot v1 §3.2: the loader leaves this in EAX. */
#define MB_BOOT_MAGIC 0x2BADB002u
/* Multiboot v1 §3.3 info structure flags and offsets we use. */
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MMAP    (1u << 6)

struct mb_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

extern char _kernel_start[], _kernel_end[];
extern bool panic_exits_qemu;
bool kbench_enabled(void); /* bench/kbench.c */
void crash_maybe(void);    /* test/crash.c */
void kbench_run(void);

static uint64_t tsc_at_kmain;

/* What the first thread does once the kernel is up: self-tests, or (later issues) services. */
static void init_thread(void *arg)
{
    (void)arg;
    /* kernel_us: kmain entry to here, the kernel's own share of the boot (TSC calibration
       included); uptime_us: since the clock started. */
    uint64_t mhz = clock_tsc_hz() / 1000000u;
    kprintf("READY netsync tsc_hz=%llu sched=%s threads=%u kernel_us=%llu uptime_us=%llu\n",
            (unsigned long long)clock_tsc_hz(), sched_policy()->name, thread_count(),
            (unsigned long long)(mhz > 0 ? (rdtsc() - tsc_at_kmain) / mhz : 0),
            (unsigned long long)(clock_ns() / 1000u));
    crash_maybe();
    if (ktest_enabled())
        ktest_run_all(ktest_filter());
    if (kbench_enabled())
        kbench_run();
    services_start(); /* netd, echo, rpcd (kernel/services, issue 3) */
}

void kmain(uint32_t magic, uint32_t mbi_pa)
{
    tsc_at_kmain = rdtsc();
    serial_init(); /* COM1 first: every later step may need to report */
    kprintf("\nNetSync-OS booting\n");
    if (magic != MB_BOOT_MAGIC)
        panic("not loaded by a Multiboot v1 loader (EAX=%08x)", magic);
    const struct mb_info *mbi = (const struct mb_info *)(uintptr_t)mbi_pa;
    cmdline_apply((mbi->flags & MBI_FLAG_CMDLINE) ? (const char *)(uintptr_t)mbi->cmdline : "");
    if (ktest_enabled())
        panic_exits_qemu = true; /* a self-test run must end QEMU whatever happens */
    exception_exit_qemu = panic_exits_qemu;
    LOGI("boot: cmdline '%s'", cmdline_get());
    gdt_init();
    idt_init();
    if ((mbi->flags & MBI_FLAG_MMAP) == 0)
        panic("boot: the loader gave no memory map (Multiboot flag bit 6)");
    pmm_init((const uint8_t *)(uintptr_t)mbi->mmap_addr, mbi->mmap_length,
             (uint32_t)(uintptr_t)_kernel_start, (uint32_t)(uintptr_t)_kernel_end);
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    LOGD("boot: %llu Mcycles to here (before paging)",
         (unsigned long long)((rdtsc() - tsc_at_kmain) >> 20));
    paging_init(ps.top);
    LOGD("boot: %llu Mcycles to here (after paging)",
         (unsigned long long)((rdtsc() - tsc_at_kmain) >> 20));
    pic_init();
    clock_init();
    LOGD("boot: %llu Mcycles to here (after clock)",
         (unsigned long long)((rdtsc() - tsc_at_kmain) >> 20));
    timer_init();
    thread_init_idle();
    sched_init();
    if (thread_create("init", init_thread, NULL, PRIO_DEFAULT) == NULL)
        panic("boot: cannot create the init thread");
    if (cmdline_errors > 0)
        LOGW("boot: %d command-line problem(s), see above", cmdline_errors);
    /* The boot context is now the idle thread: enabling interrupts lets the scheduler run. */
    for (;;) {
        thread_reap();
        __asm__ volatile("sti; hlt; cli");
    }
}
