/* qemu.c: isa-debug-exit and the final halt. */
#include "arch/qemu.h"
#include "arch/io.h"

void cpu_stop(void)
{
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

void qemu_exit(uint32_t code)
{
    outl(QEMU_EXIT_PORT, code);
    cpu_stop();
}
