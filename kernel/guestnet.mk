# kernel/guestnet.mk: guest networking (PCI, virtio-net, netd, echo, rpcd) linked into NetSync-OS,
# with the shared stack sources (kernel/net/*.c and mptcp/, not the Linux-only port/ and tools/),
# the MPTCP crypto and the protocol codec.
GN_SRCS := $(sort $(wildcard kernel/drivers/*.c kernel/services/*.c)) \
           $(sort $(wildcard kernel/net/*.c kernel/net/mptcp/*.c kernel/lib/crypto/*.c)) \
           $(sort $(wildcard kernel/lib/proto/*.c))
# kernel.mk (which sets K_B) sorts after this file, so the object directory is spelled out.
GN_OBJS := $(patsubst %.c,$(B)/kernel/%.o,$(GN_SRCS))
K_EXTRA_OBJS += $(GN_OBJS)

.PHONY: guestnet
guestnet: $(B)/netsync.elf

-include $(GN_OBJS:.o=.d)

# rpcd's protocol state machine is I/O-free: host unit tests (ASan+UBSan) and a libFuzzer target.
GN_SESSION_SRCS := kernel/services/rpcd_session.c kernel/lib/proto/rpc_proto.c
GN_UNIT   := $(B)/tests/guestnet-rpcd-session
GN_FUZZER := $(B)/fuzz/guestnet-rpcd
TEST_DEPS  += $(GN_UNIT) $(GN_FUZZER)
FUZZERS    += $(GN_FUZZER)
guestnet: $(GN_UNIT) $(GN_FUZZER)

$(GN_UNIT): tests/unit/guestnet/test_rpcd_session.c $(GN_SESSION_SRCS) kernel/services/rpcd_session.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ikernel -o $@ $(filter %.c,$^) $(TEST_LDLIBS)

$(GN_FUZZER): tests/fuzz/guestnet/rpcd_session.c $(GN_SESSION_SRCS) kernel/services/rpcd_session.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ikernel -o $@ $(filter %.c,$^)
