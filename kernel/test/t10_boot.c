/* t10_boot.c: self-tests of the boot-time pieces: command-line registry, string/format helpers. */
#include "core/cmdline.h"
#include "dev/serial.h"
#include "core/ktest.h"
#include "core/sched.h"
#include "lib/format.h"

KTEST(boot, cmdline_reports_unknown_and_bad)
{
    uint64_t q = sched_quantum_ns();
    static const char line[] = "nosuchkey=1 quantum=abc alsonot";
    KEXPECT_EQ(cmdline_apply_words(line, sizeof line - 1), 3);
    KEXPECT_EQ(sched_quantum_ns(), q); /* a bad value changes nothing */
    static const char good[] = "quantum=3ms";
    KEXPECT_EQ(cmdline_apply_words(good, sizeof good - 1), 0);
    KEXPECT_EQ(sched_quantum_ns(), 3000000u);
    sched_set_quantum_ns(q);
}

KTEST(boot, format_in_guest)
{
    char buf[64];
    /* 64-bit values go through libgcc's division in the guest: check it is linked and right. */
    KEXPECT_EQ(
        ksnprintf(buf, sizeof buf, "%llu %x %5s|%-3d|", 18446744073709551615ull, 0xbeefu, "ab", -7),
        36);
    KEXPECT(strcmp(buf, "18446744073709551615 beef    ab|-7 |") == 0);
}

KTEST(boot, string_helpers)
{
    char a[16] = "abcdefgh";
    memmove(a + 2, a, 6);
    KEXPECT(memcmp(a, "ababcdef", 8) == 0);
    memmove(a, a + 2, 6);
    KEXPECT(memcmp(a, "abcdefef", 8) == 0);
    const char *x = a, *y = "abcdefgh";
    KEXPECT(strncmp(x, y, 4) == 0 && strcmp(x, y) < 0 && strlen(x) == 8);
}

KTEST(boot, com2_carries_bytes)
{
    /* The host side (suite 15) finds this line in the COM2 file: the channel works end to end. */
    static const char rec[] = "NETSYNC-COM2 selftest record\n";
    com2_write(rec, sizeof rec - 1);
    KEXPECT(serial_reg_read(COM2_BASE, UART_LSR) != 0xff); /* a UART answers at 0x2F8 */
}
