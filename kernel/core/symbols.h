/* symbols.h: resolves code addresses to function names from the table embedded at link time. */
#ifndef NETSYNC_SYMBOLS_H
#define NETSYNC_SYMBOLS_H
#include <stdint.h>

/* Returns the function containing addr and sets *off, or NULL when unknown. */
const char *ksym_lookup(uint32_t addr, uint32_t *off);
/* Prints a frame-pointer backtrace starting at ebp (bounded, stops at bad frames). */
void ksym_backtrace(uint32_t ebp, int max_frames);

#endif
