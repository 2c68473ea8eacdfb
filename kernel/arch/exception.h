/* exception.h: CPU exception reports (name, error code, CR2, registers, symbol, thread). */
#ifndef NETSYNC_EXCEPTION_H
#define NETSYNC_EXCEPTION_H
#include "arch/idt.h"
#include <stdbool.h>

void exception_handle(struct trapframe *tf);
void exception_unexpected_vector(struct trapframe *tf);
const char *exception_name(uint32_t vector);
/* Exceptions taken so far by threads that expected them (self-tests), and the last vector. */
extern volatile uint32_t exceptions_expected_taken;
extern volatile uint32_t exception_last_vector;
extern volatile uint32_t exception_last_cr2;
extern volatile uint32_t exception_last_err;
/* True in self-test mode: unexpected faults exit QEMU with QEMU_EXIT_FAULT instead of halting. */
extern bool exception_exit_qemu;

#endif
