/* qemu.h: leaving QEMU with a status through the isa-debug-exit device. */
#ifndef NETSYNC_QEMU_H
#define NETSYNC_QEMU_H
#include <stdint.h>

/* isa-debug-exit (QEMU hw/misc/debugexit.c): writing v to iobase makes QEMU exit with
   status (v << 1) | 1. The port matches "-device isa-debug-exit,iobase=0xf4,iosize=0x04". */
#define QEMU_EXIT_PORT  0xf4
#define QEMU_EXIT_PASS  0x10 /* status 33: every self-test passed / clean shutdown */
#define QEMU_EXIT_FAIL  0x11 /* status 35: at least one self-test failed */
#define QEMU_EXIT_PANIC 0x12 /* status 37: kernel panic */
#define QEMU_EXIT_FAULT 0x13 /* status 39: unexpected CPU exception */

/* Exits QEMU; if the device is absent, halts forever with interrupts off. */
void qemu_exit(uint32_t code) __attribute__((noreturn));
/* Stops the CPU for good (interrupts off, hlt loop). */
void cpu_stop(void) __attribute__((noreturn));

#endif
