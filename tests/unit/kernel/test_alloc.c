/* test_alloc.c: host unit tests of the PMM's bitmap (lib/bitmap.c) and the run queues (lib/runq.c).
 */
#include "harness.h"
#include "bitmap.h"
#include "runq.h"

static void bitmap_basics(void **st)
{
    (void)st;
    uint32_t w[BITMAP_WORDS(100)];
    struct bitmap b;
    bitmap_init(&b, w, 100);
    for (uint32_t i = 0; i < 100; i++)
        assert_true(bitmap_test(&b, i)); /* all start used */
    assert_int_equal(bitmap_find_clear(&b, 1, 1, 0), -1);
    bitmap_clear_range(&b, 10, 20);
    assert_int_equal(bitmap_find_clear(&b, 1, 1, 0), 10);
    assert_int_equal(bitmap_find_clear(&b, 20, 1, 0), 10);
    assert_int_equal(bitmap_find_clear(&b, 21, 1, 0), -1);
    assert_int_equal(bitmap_find_clear(&b, 4, 8, 0), 16); /* aligned to 8 */
    assert_int_equal(bitmap_find_clear(&b, 8, 8, 0), 16);
    assert_int_equal(bitmap_find_clear(&b, 16, 8, 0), -1); /* 16..31 crosses the used bit 30 */
    assert_int_equal(bitmap_find_clear(&b, 2, 1, 25), 25);
    bitmap_set_range(&b, 10, 5);
    assert_true(bitmap_all_set(&b, 10, 5));
    assert_false(bitmap_all_set(&b, 10, 6));
    assert_false(bitmap_all_set(&b, 99, 2)); /* out of range is never "all set" */
    assert_int_equal(bitmap_find_clear(&b, 1, 1, 0), 15);
}

static void bitmap_word_edges(void **st)
{
    (void)st;
    uint32_t w[BITMAP_WORDS(256)];
    struct bitmap b;
    bitmap_init(&b, w, 256);
    bitmap_clear_range(&b, 31, 34); /* 31..64 straddles two word boundaries */
    assert_int_equal(bitmap_find_clear(&b, 34, 1, 0), 31);
    assert_int_equal(bitmap_find_clear(&b, 33, 32, 0), 32);
    assert_int_equal(bitmap_find_clear(&b, 34, 32, 0), -1);
    bitmap_clear_range(&b, 0, 256);
    assert_int_equal(bitmap_find_clear(&b, 256, 1, 0), 0);
    assert_int_equal(bitmap_find_clear(&b, 257, 1, 0), -1);
    assert_int_equal(bitmap_find_clear(&b, 0, 1, 0), -1);
}

/* Randomised check against a plain bool array. */
static void bitmap_vs_model(void **st)
{
    (void)st;
    enum { N = 300 };
    uint32_t w[BITMAP_WORDS(N)];
    bool model[N];
    struct bitmap b;
    bitmap_init(&b, w, N);
    for (int i = 0; i < N; i++)
        model[i] = true;
    srand(7);
    for (int round = 0; round < 2000; round++) {
        uint32_t first = (uint32_t)rand() % N, n = 1 + (uint32_t)rand() % 20;
        if (first + n > N)
            n = N - first;
        bool set = rand() & 1;
        if (set)
            bitmap_set_range(&b, first, n);
        else
            bitmap_clear_range(&b, first, n);
        for (uint32_t i = first; i < first + n; i++)
            model[i] = set;
        uint32_t want = 1 + (uint32_t)rand() % 8, align = 1u << (rand() % 4);
        int64_t got = bitmap_find_clear(&b, want, align, 0);
        int64_t expect = -1;
        for (uint32_t s = 0; s + want <= N && expect < 0; s += align) {
            uint32_t k = 0;
            while (k < want && !model[s + k])
                k++;
            if (k == want)
                expect = s;
        }
        assert_int_equal(got, expect);
    }
}

struct item {
    struct rq_node node;
    int id;
};

static void runq_priority_and_fifo(void **st)
{
    (void)st;
    struct runq q;
    rq_init(&q);
    struct item it[6];
    int levels[6] = {3, 7, 3, 0, 31, 7};
    for (int i = 0; i < 6; i++) {
        rq_node_init(&it[i].node);
        it[i].id = i;
        rq_push_back(&q, &it[i].node, levels[i]);
    }
    assert_int_equal(q.count, 6);
    assert_int_equal(rq_highest(&q), 31);
    int order[6];
    for (int i = 0; i < 6; i++) {
        struct rq_node *n = rq_pop_highest(&q);
        assert_non_null(n);
        order[i] = ((struct item *)n)->id;
        assert_false(rq_queued(n));
    }
    int want[6] = {4, 1, 5, 0, 2, 3}; /* by level, FIFO within a level */
    assert_memory_equal(order, want, sizeof want);
    assert_null(rq_pop_highest(&q));
    assert_int_equal(q.ready, 0);
    assert_int_equal(rq_highest(&q), -1);
}

static void runq_front_and_remove(void **st)
{
    (void)st;
    struct runq q;
    rq_init(&q);
    struct item a = {.id = 1}, b = {.id = 2}, c = {.id = 3};
    rq_node_init(&a.node);
    rq_node_init(&b.node);
    rq_node_init(&c.node);
    rq_push_back(&q, &a.node, 5);
    rq_push_back(&q, &b.node, 5);
    rq_push_front(&q, &c.node, 5);
    rq_remove(&q, &a.node);
    assert_int_equal(((struct item *)rq_pop_highest(&q))->id, 3);
    assert_int_equal(((struct item *)rq_pop_highest(&q))->id, 2);
    assert_int_equal(q.ready, 0); /* the level's bit clears with its last node */
    rq_push_back(&q, &a.node, 9);
    assert_int_equal(q.ready, 1u << 9);
    rq_remove(&q, &a.node);
    assert_int_equal(q.ready, 0);
    assert_int_equal(q.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bitmap_basics),         cmocka_unit_test(bitmap_word_edges),
        cmocka_unit_test(bitmap_vs_model),       cmocka_unit_test(runq_priority_and_fifo),
        cmocka_unit_test(runq_front_and_remove),
    };
    return cmocka_run_group_tests_name("kernel_alloc_runq", tests, NULL, NULL);
}
