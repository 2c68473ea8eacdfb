/* lapic.c: local APIC enable and one-shot timer (Intel SDM Vol. 3 §10.4, §10.5.4). */
#include "arch/lapic.h"
#include "arch/idt.h"
#include "arch/io.h"
#include "core/clock.h"
#include "core/log.h"
#include "mm/paging.h"

/* Register offsets, Intel SDM Vol. 3 Table 10-1. */
#define LAPIC_ID       0x020
#define LAPIC_EOI      0x0B0
#define LAPIC_SVR      0x0F0
#define LAPIC_LVT_TMR  0x320
#define LAPIC_LINT0    0x350
#define LAPIC_LINT1    0x360
#define LAPIC_LVT_ERR  0x370
#define LAPIC_TMR_INIT 0x380
#define LAPIC_TMR_CUR  0x390
#define LAPIC_TMR_DIV  0x3E0
/* LVT bits, SDM §10.5.1: bit 16 mask; delivery mode ExtINT = 111b, NMI = 100b in bits 8-10. */
#define LVT_MASKED (1u << 16)
#define LVT_EXTINT (7u << 8)
#define LVT_NMI    (4u << 8)
#define SVR_ENABLE (1u << 8)
/* Divide configuration 1011b = divide by 1 (SDM Figure 10-10): finest granularity. */
#define TMR_DIV_1 0x0B
/* CPUID.01H:EDX bit 9 = APIC on chip; IA32_APIC_BASE MSR 0x1B, bit 11 = global enable. */
#define CPUID_APIC    (1u << 9)
#define MSR_APIC_BASE 0x1B

static volatile uint32_t *regs;
static uint64_t counts_per_sec;
/* ns -> counts as (ns * mult) >> 32, precomputed so arming needs no 64-bit division. */
static uint64_t ns_mult;
static uint32_t last_count; /* initial count of the last one-shot programmed */

static void wr(uint32_t reg, uint32_t v)
{
    regs[reg / 4] = v;
}

static uint32_t rd(uint32_t reg)
{
    return regs[reg / 4];
}

bool lapic_present(void)
{
    return regs != NULL;
}

uint32_t lapic_base(void)
{
    return (uint32_t)(uintptr_t)regs;
}

bool lapic_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    if ((d & CPUID_APIC) == 0)
        return false;
    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | (1u << 11));
    uint32_t pa = (uint32_t)(base & 0xFFFFF000u);
    if (vm_map_mmio(pa, 4096) != 0)
        panic("lapic: cannot map the registers at %08x", pa);
    regs = (volatile uint32_t *)(uintptr_t)pa;
    /* Virtual-wire mode (MP spec §3.6.2.2): the 8259s keep delivering through LINT0 as ExtINT. */
    wr(LAPIC_LINT0, LVT_EXTINT);
    wr(LAPIC_LINT1, LVT_NMI);
    wr(LAPIC_LVT_ERR, LVT_MASKED);
    wr(LAPIC_LVT_TMR, LVT_MASKED | VEC_LAPIC_TIMER);
    wr(LAPIC_TMR_DIV, TMR_DIV_1);
    wr(LAPIC_SVR, SVR_ENABLE | VEC_LAPIC_SPURIOUS);
    return true;
}

/* Reads the current count with the clock, keeping the tightest of 8 brackets so a vCPU the
   host descheduled mid-read does not skew the pair (same idea as arch/tsc.c). */
static void sample(uint64_t *ns, uint32_t *count)
{
    uint64_t best = UINT64_MAX;
    for (int k = 0; k < 8; k++) {
        uint64_t a = clock_ns();
        uint32_t c = rd(LAPIC_TMR_CUR);
        uint64_t b = clock_ns();
        if (b - a < best) {
            best = b - a;
            *ns = a + (b - a) / 2;
            *count = c;
        }
    }
}

uint64_t lapic_timer_calibrate(void)
{
    /* Count down from the maximum for about 5 ms, masked so no interrupt fires. */
    wr(LAPIC_LVT_TMR, LVT_MASKED | VEC_LAPIC_TIMER);
    wr(LAPIC_TMR_INIT, 0xFFFFFFFFu);
    uint64_t t0, t1;
    uint32_t c0, c1;
    sample(&t0, &c0);
    while (clock_ns() - t0 < 5000000u)
        ;
    sample(&t1, &c1);
    wr(LAPIC_TMR_INIT, 0);
    ASSERT(c1 < c0 && t1 > t0, "LAPIC timer did not count");
    counts_per_sec = (uint64_t)(c0 - c1) * 1000000000u / (t1 - t0);
    ASSERT(counts_per_sec > 0, "LAPIC timer did not count");
    ns_mult = (counts_per_sec << 32) / 1000000000u;
    wr(LAPIC_LVT_TMR, VEC_LAPIC_TIMER); /* one-shot mode (bits 17-18 = 00), unmasked */
    return counts_per_sec;
}

void lapic_timer_oneshot(uint64_t ns)
{
    /* Clamp to one second: later deadlines re-arm when this one fires. */
    if (ns > 1000000000u)
        ns = 1000000000u;
    uint64_t counts = (ns * ns_mult) >> 32;
    if (counts == 0)
        counts = 1; /* a zero initial count would stop the timer instead of firing it */
    if (counts > 0xFFFFFFFFu)
        counts = 0xFFFFFFFFu;
    last_count = (uint32_t)counts;
    wr(LAPIC_TMR_INIT, (uint32_t)counts);
}

uint32_t lapic_timer_last_count(void)
{
    return last_count;
}

void lapic_timer_stop(void)
{
    wr(LAPIC_TMR_INIT, 0);
}

uint32_t lapic_timer_remaining(void)
{
    return rd(LAPIC_TMR_CUR);
}

uint64_t lapic_timer_hz(void)
{
    return counts_per_sec;
}

void lapic_eoi(void)
{
    wr(LAPIC_EOI, 0);
}
