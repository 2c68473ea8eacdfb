/* klib.h: the few libc-like declarations that code shared by the guest and host builds may use. */
#ifndef NETSYNC_KLIB_H
#define NETSYNC_KLIB_H

/*
 * Shared code (kernel/lib, kernel/net, scheduler policies) includes only this header and the
 * compiler's freestanding headers. In the guest these functions come from kernel/lib/string.c
 * and the kernel's panic(); on the host from libc and the test/port harness's panic().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Stops everything with a message: for broken invariants, never for bad input. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ASSERT stays on in every build: an invariant that fails says where and why. */
#define ASSERT(cond, msg)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("assertion failed at %s:%d: %s (%s)", __FILE__, __LINE__, #cond, msg);           \
    } while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
