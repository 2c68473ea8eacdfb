/* test_topo.c: topology parser: shipped files, good input, and bad input with file:line: reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "topo.h"

static void test_shipped(void **st)
{
    (void)st;
    const char *files[] = {"topologies/5g-wifi.topo", "topologies/5g-only.topo",
                           "topologies/wifi-only.topo"};
    const unsigned links[] = {2, 1, 1};
    for (int i = 0; i < 3; i++) {
        struct topo t;
        char err[1200];
        if (topo_load(files[i], &t, err, sizeof(err)) != 0 ||
            topo_check_profiles(&t, files[i], "netem/profiles", err, sizeof(err)) != 0)
            fail_msg("%s", err);
        assert_int_equal(t.nlinks, links[i]);
    }
    struct topo t;
    char err[1200];
    assert_int_equal(topo_load("topologies/5g-wifi.topo", &t, err, sizeof(err)), 0);
    assert_string_equal(t.link[0].name, "5g");
    assert_int_equal(t.link[0].host_addr, 0x0a470101);
    assert_int_equal(t.link[0].prefix, 24);
    assert_int_equal(t.link[0].guest_addr, 0x0a470102);
    assert_int_equal(t.link[1].nic, 1);
    assert_string_equal(t.link[1].down, "wifi6-ax");
    assert_string_equal(t.guest_sched, "rr");
    assert_int_equal(t.link[1].mac[5], 0x57);
}

static void test_good(void **st)
{
    (void)st;
    const char *txt = "name x\n"
                      "guest sched divsa  # comment\n"
                      "link b host 192.168.9.1/30 guest 192.168.9.2 nic 1 profile ideal mac "
                      "02:00:00:00:00:09\n"
                      "link a host 10.0.0.1/8 guest 10.0.0.2 nic 0 down ideal up ./p/q.profile\n";
    struct topo t;
    char err[512];
    if (topo_parse(txt, strlen(txt), "g.topo", &t, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(t.nlinks, 2);
    assert_string_equal(t.guest_sched, "divsa");
    assert_string_equal(t.link[1].up, "./p/q.profile");
    assert_int_equal(t.link[0].mac[5], 9);
    char p[128];
    assert_int_equal(topo_profile_path("ideal", "D", p, sizeof(p)), 0);
    assert_string_equal(p, "D/ideal.profile");
    assert_int_equal(topo_profile_path("a/b.profile", "D", p, sizeof(p)), 0);
    assert_string_equal(p, "a/b.profile");
}

static void test_bad(void **st)
{
    (void)st;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"", "t.topo: no link defined"},
        {"frob\n", "t.topo:1: unknown keyword 'frob'"},
        {"link\n", "t.topo:1: link needs a name"},
        {"link Big host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal\n", "link needs a name"},
        {"link toolongname host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal\n",
         "link needs a name"},
        {"link a host 10.0.0.1 guest 10.0.0.2 nic 0 profile ideal\n", "t.topo:1: host '10.0.0.1'"},
        {"link a host 10.0.0.1/31 guest 10.0.0.2 nic 0 profile ideal\n", "prefix 8..30"},
        {"link a host 10.0.0.1/24 guest 10.0.1.2 nic 0 profile ideal\n", "outside the host's /24"},
        {"link a host 10.0.0.1/24 guest 10.0.0.1 nic 0 profile ideal\n", "addresses must differ"},
        {"link a host 10.0.0.1/24 guest 10.0.0.255 nic 0 profile ideal\n", "broadcast"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 9 profile ideal\n", "nic '9'"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0\n", "needs host, guest, nic and down+up"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 down ideal\n", "needs host"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal nic 0\n", "'nic' given twice"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile id$al\n", "not a profile name"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal mac 01:00:00:00:00:01\n",
         "unicast"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal speed 5\n",
         "unknown link field 'speed'"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal nic\n", "'nic' needs a value"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal\n"
         "link a host 10.0.1.1/24 guest 10.0.1.2 nic 1 profile ideal\n",
         "t.topo:2: link a clashes with link a (line 1)"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal\n"
         "link b host 10.0.0.5/24 guest 10.0.0.6 nic 1 profile ideal\n",
         "t.topo:2: link b clashes"},
        {"link a host 10.0.0.1/24 guest 10.0.0.2 nic 1 profile ideal\n", "nic 0 missing"},
        {"guest memory 2\nlink a host 10.0.0.1/24 guest 10.0.0.2 nic 0 profile ideal\n",
         "t.topo:1: guest memory"},
        {"guest sched fifo\n", "t.topo:1: guest sched"},
        {"guest colour blue\n", "unknown guest setting 'colour'"},
        {"guest sched\n", "guest settings read"},
        {"name A B\n", "name wants one identifier"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct topo t;
        char err[512] = "";
        int rc = topo_parse(cases[i].text, strlen(cases[i].text), "t.topo", &t, err, sizeof(err));
        if (rc != -1 || strstr(err, cases[i].want) == NULL)
            fail_msg("case %zu: rc=%d err='%s' want '%s'", i, rc, err, cases[i].want);
    }
    /* a missing or broken profile is reported on the topology line that names it */
    const char *txt = "\nlink a host 10.0.0.1/24 guest 10.0.0.2 nic 0 down ideal up nosuch\n";
    struct topo t;
    char err[1200];
    assert_int_equal(topo_parse(txt, strlen(txt), "t.topo", &t, err, sizeof(err)), 0);
    assert_int_equal(topo_check_profiles(&t, "t.topo", "netem/profiles", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.topo:2: link a up profile: netem/profiles/nosuch.profile: "
                                "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests_name("netem-topo", tests, NULL, NULL);
}
