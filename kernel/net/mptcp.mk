# kernel/net/mptcp.mk: MPTCP v1 modules + in-tree SHA-256: host unit tests, fuzzers, freestanding check.
MPTCP_SRCS := $(wildcard kernel/lib/crypto/*.c) $(wildcard kernel/net/mptcp/*.c)
MPTCP_HDRS := $(wildcard kernel/lib/crypto/*.h) $(wildcard kernel/net/mptcp/*.h) kernel/lib/klib.h
MPTCP_B    := $(B)/mptcp

# Host objects with sanitizers, shared by every unit test binary.
MPTCP_TOBJS := $(patsubst %.c,$(MPTCP_B)/t/%.o,$(MPTCP_SRCS))
$(MPTCP_B)/t/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -c $< -o $@

MPTCP_UNIT_SRCS := $(filter-out tests/unit/mptcp/support.c tests/unit/mptcp/mptcp_xcheck.c tests/unit/mptcp/mptcp_emit.c tests/unit/mptcp/bench_rx.c,$(wildcard tests/unit/mptcp/*.c))
MPTCP_UNITS := $(patsubst tests/unit/mptcp/%.c,$(MPTCP_B)/%,$(MPTCP_UNIT_SRCS))
$(MPTCP_B)/test_%: tests/unit/mptcp/test_%.c tests/unit/mptcp/support.c $(MPTCP_TOBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Itests/unit/mptcp $^ -o $@ $(TEST_LDLIBS)

# Cross-check tool: feeds options captured from a real Linux handshake to our codec and crypto.
$(MPTCP_B)/mptcp_xcheck: tests/unit/mptcp/mptcp_xcheck.c tests/unit/mptcp/support.c $(MPTCP_TOBJS)
	$(HOST_CC) $(TEST_CFLAGS) $^ -o $@

# Emits our builder's options in a pcap for an independent dissector (tshark) to decode.
$(MPTCP_B)/mptcp_emit: tests/unit/mptcp/mptcp_emit.c tests/unit/mptcp/support.c $(MPTCP_TOBJS)
	$(HOST_CC) $(TEST_CFLAGS) $^ -o $@

# Receive-path throughput on the host, optimised, no sanitizers (prints JSON lines).
$(MPTCP_B)/bench_rx: tests/unit/mptcp/bench_rx.c tests/unit/mptcp/support.c $(MPTCP_SRCS) $(MPTCP_HDRS)
	$(HOST_CC) $(HOST_CFLAGS) $(filter %.c,$^) -o $@
BENCH_DEPS += $(MPTCP_B)/bench_rx

# Every shared source must also build freestanding for the i686 guest.
MPTCP_KOBJS := $(patsubst %.c,$(MPTCP_B)/k/%.o,$(MPTCP_SRCS))
$(MPTCP_B)/k/%.o: %.c
	@mkdir -p $(dir $@)
	$(K_CC) $(K_CFLAGS) -c $< -o $@
.PHONY: mptcp-kcheck
mptcp-kcheck: $(MPTCP_KOBJS)

# libFuzzer targets.
MPTCP_FUZZ := $(B)/fuzz/mptcp_opt $(B)/fuzz/mptcp_rx
$(B)/fuzz/mptcp_%: tests/fuzz/mptcp/fuzz_%.c tests/unit/mptcp/support.c $(MPTCP_SRCS) $(MPTCP_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

# Segments on a live MPTCP connection through the whole stack and the glue (kernel/net/tcp_mptcp.c):
# the stack's sources compiled for libFuzzer into this part's own directory.
MPTCP_GLUE_SRCS := $(sort $(wildcard kernel/net/*.c)) $(MPTCP_SRCS)
MPTCP_GLUE_OBJS := $(patsubst %.c,$(MPTCP_B)/gf/%.o,$(MPTCP_GLUE_SRCS) tests/fuzz/mptcp/fuzz_glue.c)
$(MPTCP_B)/gf/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ikernel/net -c $< -o $@
$(B)/fuzz/mptcp_glue: $(MPTCP_GLUE_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@
MPTCP_FUZZ += $(B)/fuzz/mptcp_glue

.PHONY: mptcp
mptcp: $(MPTCP_UNITS) $(MPTCP_B)/mptcp_xcheck $(MPTCP_B)/mptcp_emit mptcp-kcheck $(MPTCP_FUZZ)
TEST_DEPS += mptcp
FUZZERS += $(MPTCP_FUZZ)
-include $(MPTCP_TOBJS:.o=.d) $(MPTCP_KOBJS:.o=.d) $(MPTCP_GLUE_OBJS:.o=.d)
