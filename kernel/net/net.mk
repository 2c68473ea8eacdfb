# kernel/net/net.mk: the network stack built three ways (host process, ASan unit tests, libFuzzer)
# plus a freestanding compile check of every shared source with the guest's K_CFLAGS.

# The MPTCP modules (kernel/net/mptcp) and the in-tree SHA-256 (kernel/lib/crypto) are part of
# the stack: tcp_mptcp.c plugs them into TCP's extension hooks.
NET_SHARED_SRCS := $(sort $(wildcard kernel/net/*.c) $(wildcard kernel/net/mptcp/*.c))
NET_CRYPTO_SRCS := $(sort $(wildcard kernel/lib/crypto/*.c))
NET_PORT_SRCS   := $(sort $(wildcard kernel/net/port/*.c))
NET_UNIT_SRCS   := $(sort $(wildcard tests/unit/net/*.c))
NET_FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/net/*.c))
NET_B := $(B)/net

# The tap process also serves the request protocol: it links the shared codec of kernel/lib/proto.
NET_PROTO_SRC  := kernel/lib/proto/rpc_proto.c
NET_HOST_OBJS  := $(patsubst kernel/net/%.c,$(NET_B)/host/%.o,$(NET_SHARED_SRCS) $(NET_PORT_SRCS)) \
                  $(patsubst kernel/lib/crypto/%.c,$(NET_B)/host/crypto/%.o,$(NET_CRYPTO_SRCS)) \
                  $(NET_B)/host/lib/rpc_proto.o
NET_TEST_OBJS  := $(patsubst kernel/net/%.c,$(NET_B)/test/%.o,$(NET_SHARED_SRCS)) \
                  $(patsubst kernel/lib/crypto/%.c,$(NET_B)/test/crypto/%.o,$(NET_CRYPTO_SRCS)) \
                  $(patsubst tests/unit/net/%.c,$(NET_B)/test/unit/%.o,$(NET_UNIT_SRCS))
NET_FUZZ_OBJS  := $(patsubst kernel/net/%.c,$(NET_B)/fuzz/%.o,$(NET_SHARED_SRCS)) \
                  $(patsubst kernel/lib/crypto/%.c,$(NET_B)/fuzz/crypto/%.o,$(NET_CRYPTO_SRCS))
NET_K_OBJS     := $(patsubst kernel/net/%.c,$(NET_B)/k/%.o,$(NET_SHARED_SRCS))

NET_TAP      := $(B)/netstack-tap
NET_RR       := $(NET_B)/rr-client
NET_UNIT     := $(B)/tests/net-unit
NET_FUZZERS  := $(B)/fuzz/net-frames
NET_KCHECK   := $(NET_B)/kcheck.stamp

ALL_TARGETS += $(NET_TAP) $(NET_KCHECK)
TEST_DEPS   += $(NET_TAP) $(NET_UNIT) $(NET_FUZZERS) $(NET_KCHECK)
BENCH_DEPS  += $(NET_TAP) $(NET_RR)
FUZZERS     += $(NET_FUZZERS)

.PHONY: net net-kcheck
net: $(NET_TAP) $(NET_UNIT) $(NET_FUZZERS) $(NET_KCHECK)
net-kcheck: $(NET_KCHECK)

$(NET_B)/host/%.o: kernel/net/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(NET_B)/host/crypto/%.o: kernel/lib/crypto/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(NET_B)/test/crypto/%.o: kernel/lib/crypto/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -c $< -o $@

$(NET_B)/fuzz/crypto/%.o: kernel/lib/crypto/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(NET_B)/host/lib/rpc_proto.o: $(NET_PROTO_SRC)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(NET_B)/test/%.o: kernel/net/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -c $< -o $@

$(NET_B)/test/unit/%.o: tests/unit/net/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -Ikernel/net -c $< -o $@

$(NET_B)/fuzz/%.o: kernel/net/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(NET_B)/fuzz/main/%.o: tests/fuzz/net/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ikernel/net -c $< -o $@

# The guest build: every shared source must compile freestanding (no libc header may leak in).
$(NET_B)/k/%.o: kernel/net/%.c
	@mkdir -p $(dir $@)
	$(K_CC) $(K_CFLAGS) -c $< -o $@

$(NET_KCHECK): $(NET_K_OBJS)
	@touch $@

$(NET_TAP): $(NET_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

# Linux IPPROTO_MPTCP echo client for suites 60/61 and bench 60 (links the in-tree SHA-256).
NET_MPC := $(NET_B)/mp-client
TEST_DEPS  += $(NET_MPC)
BENCH_DEPS += $(NET_MPC)
$(NET_MPC): kernel/net/tools/mp_client.c $(patsubst kernel/lib/crypto/%.c,$(NET_B)/host/crypto/%.o,$(NET_CRYPTO_SRCS))
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

# Linux-side benchmark client (not part of the stack).
$(NET_RR): kernel/net/tools/rr_client.c $(NET_B)/host/lib/rpc_proto.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

$(NET_UNIT): $(NET_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) $^ -o $@ $(TEST_LDLIBS)

NET_FUZZ_MAIN_OBJS := $(patsubst tests/fuzz/net/%.c,$(NET_B)/fuzz/main/%.o,$(NET_FUZZ_SRCS))
$(B)/fuzz/net-frames: $(NET_FUZZ_OBJS) $(NET_FUZZ_MAIN_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $^ -o $@

-include $(NET_HOST_OBJS:.o=.d) $(NET_TEST_OBJS:.o=.d) $(NET_FUZZ_OBJS:.o=.d) $(NET_K_OBJS:.o=.d) \
         $(NET_FUZZ_MAIN_OBJS:.o=.d) $(NET_RR).d
