/* cmdline.h: the kernel command-line registry: each subsystem declares the keys it understands. */
#ifndef NETSYNC_CMDLINE_H
#define NETSYNC_CMDLINE_H
#include "lib/klib.h"

/*
 * A key's setter gets the value (NULL for a bare flag such as "selftest") and its length, and
 * returns 0, or -1 when the value is bad (reported on COM1 with the key's help text).
 * Setters run early (before the heap and threads exist): they only store settings.
 */
struct kparam {
    const char *key;
    int (*set)(const char *val, size_t len);
    const char *help;
};

/* Registers a key from any file: KPARAM(sched, set_sched, "rr|prio: scheduling policy"). */
#define KPARAM(name, fn, helptext)                                                                 \
    static const struct kparam kparam_##name                                                       \
        __attribute__((used, section(".kparams"), aligned(4))) = {#name, fn, helptext}

/* Copies the line (the bootloader's memory is reused later), then applies every word.
   Returns the number of unknown keys plus bad values (each already reported on COM1). */
int cmdline_apply(const char *line);
/* Applies the words of line[0..n) without copying it; returns unknown keys + bad values. */
int cmdline_apply_words(const char *line, size_t n);
/* The copied command line, for the boot log and the manifest. */
const char *cmdline_get(void);
/* Errors found by cmdline_apply (unknown keys + bad values). */
extern int cmdline_errors;

#endif
