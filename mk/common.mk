# Shared toolchain settings for host programs, host unit tests, fuzzers and the freestanding guest.
B := build

# Host programs (hostgen, linkem, tap-hosted stack): C11, warnings are errors.
HOST_CC      ?= gcc
HOST_CFLAGS  := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE -MMD -MP
# Host unit tests also run under ASan+UBSan; any report aborts the test.
SAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TEST_CFLAGS  := $(HOST_CFLAGS) -O1 $(SAN_FLAGS)
TEST_LDLIBS  := -lcmocka
# libFuzzer targets need clang.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=c11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE -MMD -MP \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DNETSYNC_FUZZ

# Freestanding i686 guest: no host headers, no libc, no PIC.
K_CC      := gcc
K_AS      := nasm
K_LD      := ld
K_CFLAGS  := -std=c11 -m32 -march=i686 -ffreestanding -fno-pic -fno-pie -nostdlib -nostdinc \
             -fno-stack-protector -fno-builtin -fno-omit-frame-pointer -mno-sse -mno-mmx -mno-80387 \
             -Wall -Wextra -Werror -O2 -g -MMD -MP
K_ASFLAGS := -f elf32 -g -F dwarf
K_LDFLAGS := -m elf_i386 -nostdlib
# -nostdinc drops the compiler's own freestanding headers too (stdint.h, stdarg.h ...): add back only those.
K_CFLAGS  += -isystem $(shell $(K_CC) -print-file-name=include)
