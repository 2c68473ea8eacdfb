/* lapic.h: the local APIC timer, used in one-shot mode for sub-millisecond kernel timers. */
#ifndef NETSYNC_LAPIC_H
#define NETSYNC_LAPIC_H
#include <stdbool.h>
#include <stdint.h>

/* Physical base of the local APIC registers (Intel SDM Vol. 3 §10.4.1, IA32_APIC_BASE reset value).
 */
#define LAPIC_DEFAULT_BASE 0xFEE00000u

/* Detects and enables the LAPIC (keeping the 8259 path as virtual wire); false if absent. */
bool lapic_init(void);
bool lapic_present(void);
uint32_t lapic_base(void);
/* Calibrates the timer's count rate against the TSC clock; returns counts per second. */
uint64_t lapic_timer_calibrate(void);
/* Fires VEC_LAPIC_TIMER once, after about ns nanoseconds (clamped to the counter's range). */
void lapic_timer_oneshot(uint64_t ns);
void lapic_timer_stop(void);
/* Counts left before the one-shot fires (0 = not running); counts_per_sec from calibration. */
uint32_t lapic_timer_remaining(void);
/* Initial count the last lapic_timer_oneshot() programmed. */
uint32_t lapic_timer_last_count(void);
uint64_t lapic_timer_hz(void);
void lapic_eoi(void);

#endif
