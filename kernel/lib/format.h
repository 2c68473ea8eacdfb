/* format.h: printf-style formatting into a bounded buffer, shared by the guest and host tests. */
#ifndef NETSYNC_FORMAT_H
#define NETSYNC_FORMAT_H
#include "klib.h"

/*
 * Supported: %d %i %u %x %X %o %c %s %p %%, flags '-' '0', a width (number or '*'), a
 * precision for %s, and length modifiers hh h l ll z t j. Always NUL-terminates when size > 0
 * and returns the length the full output would have had (C11 snprintf semantics), so callers
 * detect truncation with `ret >= size`. Unknown conversions are printed verbatim, never skipped.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Parses an unsigned decimal or 0x-prefixed hex number filling the whole string; -1 on error. */
int kparse_u64(const char *s, size_t len, uint64_t *out);

#endif
