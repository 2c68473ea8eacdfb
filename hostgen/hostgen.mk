# hostgen.mk: builds build/hostgen (generator + responder + pm tool), its unit tests, fuzzers and the proto guest check.
HG_B        := $(B)/hg-obj
HG_LIB_SRCS := $(filter-out hostgen/main.c,$(wildcard hostgen/*.c)) kernel/lib/proto/rpc_proto.c
HG_LDLIBS   := -lmnl -lm

HG_OBJS      := $(patsubst %.c,$(HG_B)/obj/%.o,$(HG_LIB_SRCS) hostgen/main.c)
HG_TEST_OBJS := $(patsubst %.c,$(HG_B)/tobj/%.o,$(HG_LIB_SRCS))
HG_UNIT_SRCS := $(wildcard tests/unit/hostgen/test_*.c)
HG_UNITS     := $(patsubst tests/unit/hostgen/%.c,$(HG_B)/tests/%,$(HG_UNIT_SRCS))
HG_FUZZ_SRCS := $(wildcard tests/fuzz/hostgen/*.c)
HG_FUZZERS   := $(patsubst tests/fuzz/hostgen/%.c,$(B)/fuzz/%,$(HG_FUZZ_SRCS))
# The shared codec must also build freestanding for the i686 guest (K_CFLAGS): this object proves it.
HG_KCHECK    := $(HG_B)/kcheck/rpc_proto.o
# The whole program under ASan+UBSan, run by the netns suite on the error paths.
HG_ASAN      := $(HG_B)/hostgen-asan

ALL_TARGETS += $(B)/hostgen
TEST_DEPS   += $(B)/hostgen $(HG_UNITS) $(HG_FUZZERS) $(HG_KCHECK) $(HG_ASAN)
BENCH_DEPS  += $(B)/hostgen
FUZZERS     += $(HG_FUZZERS)

.PHONY: hostgen hostgen-tests
hostgen: $(B)/hostgen
hostgen-tests: $(B)/hostgen $(HG_UNITS) $(HG_FUZZERS) $(HG_KCHECK) $(HG_ASAN)

$(B)/hostgen: $(HG_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(HG_LDLIBS)

$(HG_ASAN): $(HG_TEST_OBJS) $(HG_B)/tobj/hostgen/main.o
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -o $@ $^ $(HG_LDLIBS)

$(HG_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -c -o $@ $<

$(HG_B)/tobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -c -o $@ $<

$(HG_B)/tests/%: tests/unit/hostgen/%.c $(HG_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) -I. -Ihostgen -o $@ $(filter %.c %.o,$^) $(TEST_LDLIBS) $(HG_LDLIBS)

# Fuzzers link the library sources compiled by clang with the fuzzer sanitizers.
$(B)/fuzz/hostgen_%: tests/fuzz/hostgen/hostgen_%.c $(HG_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I. -Ihostgen -o $@ $(filter %.c,$^) $(HG_LDLIBS)

$(HG_KCHECK): kernel/lib/proto/rpc_proto.c
	@mkdir -p $(dir $@)
	$(K_CC) $(K_CFLAGS) -c -o $@ $<

# Keep objects make would otherwise delete as intermediates.
.SECONDARY: $(HG_OBJS) $(HG_TEST_OBJS) $(HG_B)/tobj/hostgen/main.o

-include $(HG_OBJS:.o=.d) $(HG_TEST_OBJS:.o=.d) $(HG_B)/tobj/hostgen/main.d $(HG_UNITS:=.d) $(HG_KCHECK:.o=.d)
