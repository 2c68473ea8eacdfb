/* format.c: a small vsnprintf (and number parser) for the freestanding guest; tested on the host.
 */
#include "format.h"

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters the full output needs, may exceed size */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    for (int i = 0; i < n; i++)
        put(o, c);
}

/* Digits are produced backwards into tmp; 64-bit values need at most 22 octal digits. */
static void put_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper, int width,
                    bool left, bool zero)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    /* 32-bit fast path: the i686 guest avoids libgcc's 64-bit division for common values. */
    if (v <= 0xffffffffu) {
        uint32_t w = (uint32_t)v;
        do {
            tmp[n++] = digits[w % base];
            w /= base;
        } while (w != 0);
    } else {
        do {
            tmp[n++] = digits[v % base];
            v /= base;
        } while (v != 0);
    }
    int total = n + (neg ? 1 : 0);
    if (!left && !zero)
        pad(o, ' ', width - total);
    if (neg)
        put(o, '-');
    if (!left && zero)
        pad(o, '0', width - total);
    while (n > 0)
        put(o, tmp[--n]);
    if (left)
        pad(o, ' ', width - total);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        const char *start = p++;
        bool left = false, zero = false;
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                zero = true;
            else
                break;
        }
        int width = 0;
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9' && width < 10000)
                width = width * 10 + (*p++ - '0');
        }
        int prec = -1;
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9' && prec < 10000)
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t/ptrdiff_t, 4 intmax_t */
        if (*p == 'h') {
            p++;
            if (*p == 'h')
                p++;
        } else if (*p == 'l') {
            p++;
            lng = 1;
            if (*p == 'l') {
                p++;
                lng = 2;
            }
        } else if (*p == 'z' || *p == 't') {
            p++;
            lng = 3;
        } else if (*p == 'j') {
            p++;
            lng = 4;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v;
            if (lng == 2 || lng == 4)
                v = va_arg(ap, long long);
            else if (lng == 1)
                v = va_arg(ap, long);
            else if (lng == 3)
                v = va_arg(ap, ptrdiff_t);
            else
                v = va_arg(ap, int);
            bool neg = v < 0;
            /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
            uint64_t mag = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_num(&o, mag, neg, 10, false, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            if (lng == 2 || lng == 4)
                v = va_arg(ap, unsigned long long);
            else if (lng == 1)
                v = va_arg(ap, unsigned long);
            else if (lng == 3)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned int);
            unsigned base = *p == 'u' ? 10 : (*p == 'o' ? 8 : 16);
            put_num(&o, v, false, base, *p == 'X', width, left, zero);
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, v, false, 16, false, (int)sizeof(void *) * 2, false, true);
            break;
        }
        case 'c':
            if (!left)
                pad(&o, ' ', width - 1);
            put(&o, (char)va_arg(ap, int));
            if (left)
                pad(&o, ' ', width - 1);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            int n = 0;
            while (s[n] != '\0' && (prec < 0 || n < prec))
                n++;
            if (!left)
                pad(&o, ' ', width - n);
            for (int i = 0; i < n; i++)
                put(&o, s[i]);
            if (left)
                pad(&o, ' ', width - n);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        default:
            /* Unknown or truncated conversion: show it as written so the bug is visible. */
            for (const char *q = start; q <= p && *q != '\0'; q++)
                put(&o, *q);
            if (*p == '\0')
                p--;
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int kparse_u64(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    if (i == len)
        return -1;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d;
        char c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        /* Overflow check without 64-bit division: base is 10 or 16, bound precomputed. */
        uint64_t limit = base == 16 ? (UINT64_MAX >> 4) : 1844674407370955161ull;
        if (v > limit || (v == limit && base == 10 && d > 5))
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}
