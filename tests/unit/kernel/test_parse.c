/* test_parse.c: host unit tests of the command-line splitter and the Multiboot memory-map walker.
 */
#include "harness.h"
#include "cmdparse.h"
#include "mbmmap.h"

static void words(void **st)
{
    (void)st;
    const char *line = "  build/netsync.elf selftest sched=prio\tquantum=2ms =x empty= ";
    size_t pos = 0;
    struct cmd_word w;
    const char *keys[] = {"build/netsync.elf", "selftest", "sched", "quantum", "", "empty"};
    const char *vals[] = {NULL, NULL, "prio", "2ms", "x", ""};
    for (int i = 0; i < 6; i++) {
        assert_true(cmd_next(line, strlen(line), &pos, &w));
        assert_int_equal(w.key_len, strlen(keys[i]));
        assert_memory_equal(w.key, keys[i], w.key_len);
        if (vals[i] == NULL) {
            assert_null(w.val);
        } else {
            assert_int_equal(w.val_len, strlen(vals[i]));
            assert_memory_equal(w.val, vals[i], w.val_len);
        }
    }
    assert_false(cmd_next(line, strlen(line), &pos, &w));
    pos = 0;
    assert_true(cmd_next("a=b=c", 5, &pos, &w)); /* splits at the first '=' */
    assert_true(cmd_key_is(&w, "a"));
    assert_int_equal(w.val_len, 3);
    pos = 0;
    assert_false(cmd_next("   ", 3, &pos, &w));
    pos = 0;
    assert_true(cmd_next("ab\0cd", 5, &pos, &w)); /* a NUL ends the line */
    assert_int_equal(w.key_len, 2);
    assert_false(cmd_next("ab\0cd", 5, &pos, &w));
}

static void durations(void **st)
{
    (void)st;
    uint64_t v;
    assert_int_equal(cmd_parse_duration_ns("250", 3, 1000, &v), 0);
    assert_int_equal(v, 250000);
    assert_int_equal(cmd_parse_duration_ns("2ms", 3, 1000, &v), 0);
    assert_int_equal(v, 2000000);
    assert_int_equal(cmd_parse_duration_ns("7ns", 3, 1000, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(cmd_parse_duration_ns("3s", 2, 1000, &v), 0);
    assert_int_equal(v, 3000000000ull);
    assert_int_equal(cmd_parse_duration_ns("5us", 3, 1, &v), 0);
    assert_int_equal(v, 5000);
    assert_int_equal(cmd_parse_duration_ns("ms", 2, 1000, &v), -1);
    assert_int_equal(cmd_parse_duration_ns("5min", 4, 1000, &v), -1);
    assert_int_equal(cmd_parse_duration_ns("", 0, 1000, &v), -1);
    assert_int_equal(cmd_parse_duration_ns("99999999999999999999", 20, 1, &v), -1);
    assert_int_equal(cmd_parse_duration_ns("18446744073709552s", 18, 1, &v), -1); /* overflow */
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void mmap_walk(void **st)
{
    (void)st;
    uint8_t buf[64];
    memset(buf, 0, sizeof buf);
    /* Entry 1: size 20 (standard); entry 2: size 24 (a loader may add fields: skip them). */
    put32(buf, 20);
    put64(buf + 4, 0x100000);
    put64(buf + 12, 0x7ee0000);
    put32(buf + 20, MB_MMAP_AVAILABLE);
    put32(buf + 24, 24);
    put64(buf + 28, 0xfffc0000ull);
    put64(buf + 36, 0x40000);
    put32(buf + 44, 2);
    uint32_t off = 0;
    struct mb_region r;
    assert_int_equal(mbmmap_next(buf, 52, &off, &r), 1);
    assert_true(r.base == 0x100000 && r.len == 0x7ee0000 && r.type == 1);
    assert_int_equal(off, 24);
    assert_int_equal(mbmmap_next(buf, 52, &off, &r), 1);
    assert_true(r.base == 0xfffc0000ull && r.type == 2);
    assert_int_equal(off, 52);
    assert_int_equal(mbmmap_next(buf, 52, &off, &r), 0);
}

static void mmap_malformed(void **st)
{
    (void)st;
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    uint32_t off = 0;
    struct mb_region r;
    put32(buf, 19); /* smaller than an entry */
    assert_int_equal(mbmmap_next(buf, 32, &off, &r), -1);
    put32(buf, 100); /* runs past the end */
    off = 0;
    assert_int_equal(mbmmap_next(buf, 32, &off, &r), -1);
    off = 0;
    assert_int_equal(mbmmap_next(buf, 3, &off, &r), -1); /* not even a size field */
    put32(buf, 0xfffffffcu);                             /* size + 4 would wrap around 32 bits */
    off = 0;
    assert_int_equal(mbmmap_next(buf, 32, &off, &r), -1);
    off = 0;
    assert_int_equal(mbmmap_next(buf, 0, &off, &r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words),
        cmocka_unit_test(durations),
        cmocka_unit_test(mmap_walk),
        cmocka_unit_test(mmap_malformed),
    };
    return cmocka_run_group_tests_name("kernel_parse", tests, NULL, NULL);
}
