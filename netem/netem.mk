# netem.mk: builds linkem, netsync-shape, netsync-topo, the netem unit tests, the linkem harness and fuzzers.
NE_B         := $(B)/netem
NE_CORE_SRCS := $(wildcard netem/*.c)
NE_LK_SRCS   := $(wildcard netem/linkem/*.c)
NE_LIB_SRCS  := $(NE_CORE_SRCS) $(NE_LK_SRCS)
NE_NL_CFLAGS := $(shell pkg-config --cflags libnl-3.0 libnl-route-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NE_LDLIBS    := $(shell pkg-config --libs libnl-3.0 libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3) -lm

NE_OBJS      := $(patsubst %.c,$(NE_B)/obj/%.o,$(NE_LIB_SRCS))
NE_TEST_OBJS := $(patsubst %.c,$(NE_B)/tobj/%.o,$(NE_LIB_SRCS))
NE_BINS      := $(B)/linkem $(B)/netsync-shape $(B)/netsync-topo
NE_UNIT_SRCS := $(wildcard tests/unit/netem/test_*.c)
NE_UNITS     := $(patsubst tests/unit/netem/%.c,$(NE_B)/tests/%,$(NE_UNIT_SRCS))
NE_HARNESS   := $(NE_B)/tests/lkh
NE_FUZZ_SRCS := $(wildcard tests/fuzz/netem/*.c)
NE_FUZZERS   := $(patsubst tests/fuzz/netem/%.c,$(B)/fuzz/%,$(NE_FUZZ_SRCS))

ALL_TARGETS += $(NE_BINS)
TEST_DEPS   += $(NE_BINS) $(NE_UNITS) $(NE_HARNESS) $(NE_FUZZERS)
BENCH_DEPS  += $(B)/linkem $(NE_HARNESS)
FUZZERS     += $(NE_FUZZERS)

.PHONY: netem netem-tests
netem: $(NE_BINS)
netem-tests: $(NE_BINS) $(NE_UNITS) $(NE_HARNESS) $(NE_FUZZERS)

$(NE_BINS): $(B)/%: netem/bin/%.c $(NE_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -o $@ $< $(NE_OBJS) $(NE_LDLIBS)

$(NE_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -c -o $@ $<

$(NE_B)/tobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -c -o $@ $<

$(NE_B)/tests/%: tests/unit/netem/%.c tests/unit/netem/stats.c $(NE_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -Itests/unit/netem -o $@ $< tests/unit/netem/stats.c $(NE_TEST_OBJS) $(TEST_LDLIBS) $(NE_LDLIBS)

# The harness drives a real linkem through its sockets; it is a plain program (no sanitizer
# runtime skewing the timing it measures).
$(NE_HARNESS): tests/unit/netem/harness/lkh.c tests/unit/netem/stats.c $(NE_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -Itests/unit/netem -o $@ $< tests/unit/netem/stats.c $(NE_OBJS) $(NE_LDLIBS)

$(B)/fuzz/netem_%: tests/fuzz/netem/netem_%.c $(NE_CORE_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(NE_NL_CFLAGS) -Inetem -Inetem/linkem -o $@ $< $(NE_CORE_SRCS) $(NE_LDLIBS)

.SECONDARY: $(NE_OBJS) $(NE_TEST_OBJS)

-include $(NE_OBJS:.o=.d) $(NE_TEST_OBJS:.o=.d) $(NE_UNITS:=.d) $(NE_HARNESS:=.d)
