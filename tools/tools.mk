# tools.mk: small host tools of the experiment driver (bedstat: exact percentiles via hostgen's stats code) and their fuzzers.
TL_B       := $(B)/tools-obj
TL_SRCS    := tools/bedstat.c tools/bedstat_parse.c hostgen/stats.c hostgen/panic.c
TL_OBJS    := $(patsubst %.c,$(TL_B)/%.o,$(TL_SRCS))
TL_FUZZERS := $(B)/fuzz/bedstat_parse_fuzz

ALL_TARGETS += $(B)/bedstat
TEST_DEPS   += $(B)/bedstat $(TL_FUZZERS)
BENCH_DEPS  += $(B)/bedstat
FUZZERS     += $(TL_FUZZERS)

.PHONY: tools
tools: $(B)/bedstat $(TL_FUZZERS)

$(B)/bedstat: $(TL_OBJS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ -lm

$(TL_B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -I. -c -o $@ $<

$(B)/fuzz/bedstat_parse_fuzz: tests/fuzz/tools/bedstat_parse_fuzz.c tools/bedstat_parse.c hostgen/panic.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I. -o $@ $^

.SECONDARY: $(TL_OBJS)

-include $(TL_OBJS:.o=.d)
