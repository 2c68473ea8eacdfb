/* test_timerq.c: host unit tests of the timer heap (lib/timerq.c) and cycle conversion
 * (lib/clockconv.c). */
#include "harness.h"
#include "clockconv.h"
#include "timerq.h"

static void order_and_ties(void **st)
{
    (void)st;
    struct tq_entry *storage[8];
    struct timerq q;
    tq_init(&q, storage, 8);
    struct tq_entry e[5];
    uint64_t dl[5] = {50, 10, 30, 10, 20};
    for (int i = 0; i < 5; i++) {
        tq_entry_init(&e[i]);
        assert_int_equal(tq_insert(&q, &e[i], dl[i]), 0);
    }
    assert_int_equal(tq_insert(&q, &e[0], 1), -1); /* already queued */
    assert_null(tq_pop_expired(&q, 9));
    int want[5] = {1, 3, 4, 2, 0}; /* by deadline, equal deadlines first-in first-out */
    for (int i = 0; i < 5; i++) {
        struct tq_entry *x = tq_pop_expired(&q, 100);
        assert_ptr_equal(x, &e[want[i]]);
        assert_false(tq_queued(x));
    }
    assert_null(tq_peek(&q));
}

static void full_and_remove(void **st)
{
    (void)st;
    struct tq_entry *storage[3];
    struct timerq q;
    tq_init(&q, storage, 3);
    struct tq_entry e[4];
    for (int i = 0; i < 4; i++)
        tq_entry_init(&e[i]);
    assert_int_equal(tq_insert(&q, &e[0], 5), 0);
    assert_int_equal(tq_insert(&q, &e[1], 1), 0);
    assert_int_equal(tq_insert(&q, &e[2], 3), 0);
    assert_int_equal(tq_insert(&q, &e[3], 2), -1); /* full */
    assert_true(tq_remove(&q, &e[1]));
    assert_false(tq_remove(&q, &e[1]));
    assert_ptr_equal(tq_peek(&q), &e[2]);
    assert_int_equal(tq_insert(&q, &e[3], 2), 0);
    assert_ptr_equal(tq_pop_expired(&q, 10), &e[3]);
}

/* Random inserts/cancels/pops checked against a brute-force minimum. */
static void random_vs_model(void **st)
{
    (void)st;
    enum { N = 200 };
    struct tq_entry *storage[N];
    struct tq_entry e[N];
    struct timerq q;
    tq_init(&q, storage, N);
    for (int i = 0; i < N; i++)
        tq_entry_init(&e[i]);
    srand(11);
    for (int round = 0; round < 20000; round++) {
        int i = rand() % N;
        int op = rand() % 3;
        if (op == 0 && !tq_queued(&e[i]))
            assert_int_equal(tq_insert(&q, &e[i], (uint64_t)(rand() % 1000)), 0);
        else if (op == 1)
            tq_remove(&q, &e[i]);
        else {
            struct tq_entry *min = NULL;
            for (int k = 0; k < N; k++) {
                if (tq_queued(&e[k]) && (min == NULL || e[k].deadline < min->deadline ||
                                         (e[k].deadline == min->deadline && e[k].seq < min->seq)))
                    min = &e[k];
            }
            assert_ptr_equal(tq_peek(&q), min);
        }
        for (uint32_t k = 0; k < q.n; k++)
            assert_int_equal(q.heap[k]->index, (int32_t)k);
    }
}

static void clockconv_exact(void **st)
{
    (void)st;
    uint64_t freqs[] = {1000000, 999999999, 1000000000, 2096030147, 3600000000ull, 5000000000ull};
    for (size_t f = 0; f < sizeof freqs / sizeof freqs[0]; f++) {
        struct clockconv c;
        clockconv_init(&c, freqs[f]);
        uint64_t cycles[] = {
            0, 1, 1000, freqs[f], freqs[f] * 10 + 12345, freqs[f] * 3600, (1ull << 40) + 7};
        for (size_t k = 0; k < sizeof cycles / sizeof cycles[0]; k++) {
            /* Reference in 128-bit arithmetic; allow 1 ns per second of error (1 ppb). */
            unsigned __int128 ref = (unsigned __int128)cycles[k] * 1000000000u / freqs[f];
            uint64_t got = clockconv_ns(&c, cycles[k]);
            uint64_t diff = got > (uint64_t)ref ? got - (uint64_t)ref : (uint64_t)ref - got;
            assert_true(diff <= 1 + (uint64_t)ref / 1000000000u);
        }
        assert_int_equal(clockconv_cycles(&c, 1000000000u), freqs[f]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_and_ties),
        cmocka_unit_test(full_and_remove),
        cmocka_unit_test(random_vs_model),
        cmocka_unit_test(clockconv_exact),
    };
    return cmocka_run_group_tests_name("kernel_timerq_clock", tests, NULL, NULL);
}
