/* test_format.c: host unit tests of kernel/lib/format.c, compared with the C library's snprintf. */
#include "harness.h"
#include "format.h"

#define SAME(...)                                                                                  \
    do {                                                                                           \
        char a[128], b[128];                                                                       \
        int na = ksnprintf(a, sizeof a, __VA_ARGS__);                                              \
        int nb = snprintf(b, sizeof b, __VA_ARGS__);                                               \
        assert_int_equal(na, nb);                                                                  \
        assert_string_equal(a, b);                                                                 \
    } while (0)

static void integers(void **st)
{
    (void)st;
    SAME("%d %i %u", -5, 42, 7u);
    SAME("%x %X %o", 0xbeefu, 0xbeefu, 8u);
    SAME("%lld %llu %llx", (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 0x123456789abcull);
    SAME("%ld %lu %zu %td", -1L, 99UL, (size_t)12, (ptrdiff_t)-3);
    SAME("[%5d] [%-5d] [%05d] [%-5d]", 42, 42, -42, 7);
    SAME("[%*d] [%-*d]", 6, 1, 4, 2);
    SAME("%hhu %hu", (unsigned char)44, (unsigned short)4464);
}

static void strings_chars(void **st)
{
    (void)st;
    SAME("[%s] [%8s] [%-8s] [%.2s] [%c] [%3c] %%", "abc", "abc", "abc", "abc", 'z', 'y');
    SAME("%s", "");
}

/* No format attribute: lets the test hand over formats the compiler would (rightly) reject. */
static int fmt_unchecked(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = kvsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

static void null_string_and_unknown(void **st)
{
    (void)st;
    char buf[64];
    const char *volatile nothing = NULL;
    ksnprintf(buf, sizeof buf, "%s", nothing);
    assert_string_equal(buf, "(null)");
    /* Unknown conversions stay visible. */
    fmt_unchecked(buf, sizeof buf, "a%qb");
    assert_string_equal(buf, "a%qb");
    fmt_unchecked(buf, sizeof buf, "tail%");
    assert_string_equal(buf, "tail%");
}

static void truncation(void **st)
{
    (void)st;
    char buf[8];
    int n = ksnprintf(buf, sizeof buf, "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(buf, "0123456");
    n = ksnprintf(buf, 1, "xyz");
    assert_int_equal(n, 3);
    assert_string_equal(buf, "");
    n = ksnprintf(NULL, 0, "%d", 12345);
    assert_int_equal(n, 5);
}

static void pointers(void **st)
{
    (void)st;
    char buf[64];
    ksnprintf(buf, sizeof buf, "%p", (void *)(uintptr_t)0x1234);
    char want[64];
    snprintf(want, sizeof want, "0x%0*lx", (int)sizeof(void *) * 2, 0x1234UL);
    assert_string_equal(buf, want);
}

static void parse_u64(void **st)
{
    (void)st;
    uint64_t v;
    assert_int_equal(kparse_u64("123", 3, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(kparse_u64("0x1F", 4, &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(kparse_u64("18446744073709551615", 20, &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(kparse_u64("18446744073709551616", 20, &v), -1);
    assert_int_equal(kparse_u64("0x10000000000000000", 19, &v), -1);
    assert_int_equal(kparse_u64("", 0, &v), -1);
    assert_int_equal(kparse_u64("0x", 2, &v), -1);
    assert_int_equal(kparse_u64("12a", 3, &v), -1);
    assert_int_equal(kparse_u64("-1", 2, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(integers),
        cmocka_unit_test(strings_chars),
        cmocka_unit_test(null_string_and_unknown),
        cmocka_unit_test(truncation),
        cmocka_unit_test(pointers),
        cmocka_unit_test(parse_u64),
    };
    return cmocka_run_group_tests_name("kernel_format", tests, NULL, NULL);
}
