# kernel.mk: builds NetSync-OS (build/netsync.elf, `make iso`, `make debug`), its host unit tests and fuzzers.
K_B      := $(B)/kernel
K_ELF    := $(B)/netsync.elf
K_ISO    := $(B)/netsync.iso
# Only kernel/lib/*.c, never its subdirectories (crypto/, proto/ belong to other parts and may be
# mid-change); other parts add their guest objects with K_EXTRA_OBJS (see docs/kernel.md).
K_CSRCS  := $(sort $(wildcard kernel/arch/*.c kernel/core/*.c kernel/mm/*.c kernel/dev/*.c \
                              kernel/test/*.c kernel/bench/*.c kernel/lib/*.c))
K_ASRCS  := $(sort $(wildcard kernel/arch/*.asm))
K_OBJS   := $(patsubst %.c,$(K_B)/%.o,$(K_CSRCS)) $(patsubst %.asm,$(K_B)/%.o,$(K_ASRCS))
K_EXTRA_OBJS ?=
# -fno-tree-loop-distribute-patterns: gcc must not turn string.c's loops into memcpy calls.
K_LOCAL_CFLAGS := $(K_CFLAGS) -Ikernel -Ikernel/lib -fno-tree-loop-distribute-patterns
K_LDFLAGS_LOCAL := $(K_LDFLAGS) -z noexecstack
K_LIBGCC := $(shell $(K_CC) -m32 -print-libgcc-file-name)

# Host-buildable pieces of kernel/lib (no hardware): unit-tested natively under ASan+UBSan.
K_HOSTLIB := kernel/lib/format.c kernel/lib/bitmap.c kernel/lib/timerq.c kernel/lib/runq.c \
             kernel/lib/cmdparse.c kernel/lib/mbmmap.c kernel/lib/clockconv.c
K_UNIT_SRCS := $(wildcard tests/unit/kernel/test_*.c)
K_UNITS     := $(patsubst tests/unit/kernel/%.c,$(K_B)/tests/%,$(K_UNIT_SRCS))
K_FUZZ_SRCS := $(wildcard tests/fuzz/kernel/*.c)
K_FUZZERS   := $(patsubst tests/fuzz/kernel/%.c,$(B)/fuzz/%,$(K_FUZZ_SRCS))

ALL_TARGETS += $(K_ELF)
TEST_DEPS   += $(K_ELF) $(K_ISO) $(K_UNITS) $(K_FUZZERS)
BENCH_DEPS  += $(K_ELF) $(K_ISO)
FUZZERS     += $(K_FUZZERS)

.PHONY: kernel kernel-tests iso debug
kernel: $(K_ELF)
kernel-tests: $(K_ELF) $(K_UNITS) $(K_FUZZERS)
iso: $(K_ISO)

$(K_B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  KCC   $<"
	@$(K_CC) $(K_LOCAL_CFLAGS) -c -o $@ $<

$(K_B)/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM  $<"
	@$(K_AS) $(K_ASFLAGS) -o $@ $<

# Two-pass link: pass 1 with an empty symbol table, then the table generated from pass 1's text
# symbols. .ksyms sits after .text/.rodata/.data (linker.ld), so pass 2 moves no function; the
# cmp proves it, or the build fails.
$(K_B)/ksyms-empty.asm: kernel/kernel.mk
	@mkdir -p $(dir $@)
	printf 'section .ksyms progbits alloc noexec nowrite align=4\nglobal ksym_table\nksym_table: dd 0\n' > $@

$(K_B)/ksyms-empty.o: $(K_B)/ksyms-empty.asm
	$(K_AS) $(K_ASFLAGS) -o $@ $<

.SECONDEXPANSION:
$(K_B)/pass1.elf: $(K_OBJS) $$(K_EXTRA_OBJS) $(K_B)/ksyms-empty.o kernel/linker.ld
	$(K_LD) $(K_LDFLAGS_LOCAL) -T kernel/linker.ld -o $@ $(filter %.o,$^) $(K_LIBGCC)

$(K_B)/ksyms.asm: $(K_B)/pass1.elf kernel/ksyms.sh
	bash kernel/ksyms.sh $< > $@

$(K_B)/ksyms.o: $(K_B)/ksyms.asm
	$(K_AS) $(K_ASFLAGS) -o $@ $<

$(K_ELF): $(K_OBJS) $$(K_EXTRA_OBJS) $(K_B)/ksyms.o kernel/linker.ld
	$(K_LD) $(K_LDFLAGS_LOCAL) -T kernel/linker.ld -o $@ $(filter %.o,$^) $(K_LIBGCC)
	@nm -n $(K_B)/pass1.elf | grep -i ' t ' > $(K_B)/syms1.txt
	@nm -n $@ | grep -i ' t ' > $(K_B)/syms2.txt
	@cmp -s $(K_B)/syms1.txt $(K_B)/syms2.txt || { echo "kernel.mk: text moved between link passes" >&2; rm -f $@; exit 1; }

# GRUB ISO (grub-mkrescue); grub.cfg passes GRUB_CMDLINE through the image.
GRUB_CMDLINE ?=
$(K_ISO): $(K_ELF) kernel/grub.cfg
	@rm -rf $(K_B)/iso && mkdir -p $(K_B)/iso/boot/grub
	cp $(K_ELF) $(K_B)/iso/boot/netsync.elf
	sed 's|@CMDLINE@|$(GRUB_CMDLINE)|' kernel/grub.cfg > $(K_B)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(K_B)/iso 2> $(K_B)/grub-mkrescue.log || { cat $(K_B)/grub-mkrescue.log >&2; exit 1; }

# The guest paused at its first instruction under QEMU's GDB stub (tcp::1234), plus gdb.
DEBUG_CMDLINE ?=
debug: $(K_ELF)
	bash scripts/guest.sh --debug --cmdline "$(DEBUG_CMDLINE)"

# Host unit tests: the hardware-free lib sources compiled natively with sanitizers.
$(K_B)/tests/test_string: $(K_B)/tobj/string_renamed.o
$(K_B)/tobj/string_renamed.o: kernel/lib/string.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -fno-builtin -Dmemcpy=kt_memcpy -Dmemmove=kt_memmove -Dmemset=kt_memset \
	  -Dmemcmp=kt_memcmp -Dstrlen=kt_strlen -Dstrcmp=kt_strcmp -Dstrncmp=kt_strncmp -c -o $@ $<

$(K_B)/tests/%: tests/unit/kernel/%.c tests/unit/kernel/harness.h $(K_HOSTLIB)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ikernel -Ikernel/lib -Itests/unit/kernel -o $@ $(filter %.c %.o,$^) $(TEST_LDLIBS)

$(B)/fuzz/kernel_%: tests/fuzz/kernel/kernel_%.c $(K_HOSTLIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ikernel -Ikernel/lib -o $@ $(filter %.c,$^)

-include $(K_OBJS:.o=.d)
