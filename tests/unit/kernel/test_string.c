/* test_string.c: host unit tests of kernel/lib/string.c (built renamed kt_* so libc stays libc). */
#include "harness.h"

void *kt_memcpy(void *dst, const void *src, size_t n);
void *kt_memmove(void *dst, const void *src, size_t n);
void *kt_memset(void *dst, int c, size_t n);
int kt_memcmp(const void *a, const void *b, size_t n);
size_t kt_strlen(const char *s);
int kt_strcmp(const char *a, const char *b);
int kt_strncmp(const char *a, const char *b, size_t n);

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

static void copy_set_move(void **st)
{
    (void)st;
    char a[32], b[32];
    assert_ptr_equal(kt_memset(a, 'x', sizeof a), a);
    memset(b, 'x', sizeof b);
    assert_memory_equal(a, b, sizeof a);
    assert_ptr_equal(kt_memcpy(a, "hello", 6), a);
    assert_string_equal(a, "hello");
    for (size_t shift = 0; shift < 8; shift++) {
        for (size_t n = 0; n < 16; n++) {
            char x[40], y[40];
            for (int i = 0; i < 40; i++)
                x[i] = y[i] = (char)i;
            kt_memmove(x + shift, x + 4, n);
            memmove(y + shift, y + 4, n);
            assert_memory_equal(x, y, sizeof x);
        }
    }
}

static void compare(void **st)
{
    (void)st;
    const char *s[] = {"", "a", "ab", "abc", "abd", "b", "\xff", "a\xff"};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(kt_strlen(s[i]), strlen(s[i]));
        for (size_t j = 0; j < 8; j++) {
            assert_int_equal(sign(kt_strcmp(s[i], s[j])), sign(strcmp(s[i], s[j])));
            for (size_t n = 0; n < 4; n++)
                assert_int_equal(sign(kt_strncmp(s[i], s[j], n)), sign(strncmp(s[i], s[j], n)));
            size_t m = strlen(s[i]) < strlen(s[j]) ? strlen(s[i]) : strlen(s[j]);
            assert_int_equal(sign(kt_memcmp(s[i], s[j], m)), sign(memcmp(s[i], s[j], m)));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_set_move),
        cmocka_unit_test(compare),
    };
    return cmocka_run_group_tests_name("kernel_string", tests, NULL, NULL);
}
