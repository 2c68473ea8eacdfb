/* main.c: runs every net unit-test group; the exit status counts failures. */
#include "harness.h"

int main(void)
{
    int failed = 0;
    failed += run_arp_ip_tests();
    failed += run_tcp_tests();
    failed += run_tcp_more_tests();
    return failed ? 1 : 0;
}
