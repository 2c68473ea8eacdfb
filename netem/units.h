/* units.h: parse tc's value vocabulary (times, rates, percentages, sizes) into integers. */
#ifndef NETSYNC_NETEM_UNITS_H
#define NETSYNC_NETEM_UNITS_H

#include <stdint.h>

/*
 * Every parser returns 0 on success, or -1 with a static reason in *why. Values are exact
 * integers: times in ns, rates in bytes/s (the unit of struct tc_netem_rate, pkt_sched.h),
 * probabilities scaled to 0..UINT32_MAX as tc's set_percent() does (iproute2 tc/q_netem.c).
 */
int units_time_ns(const char *s, int64_t *ns, const char **why);
int units_rate_Bps(const char *s, uint64_t *bps, const char **why);
int units_percent(const char *s, uint32_t *p, const char **why);
int units_uint(const char *s, uint64_t max, uint64_t *v, const char **why);
int units_int(const char *s, int64_t min, int64_t max, int64_t *v, const char **why);

/* Probability as a double in [0,1] from the scaled form, and back. */
double units_p_to_double(uint32_t p);
uint32_t units_p_from_double(double d);

#endif
