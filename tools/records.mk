# records.mk: the p2p record decoder (build/com2dec, read by scripts/lib/bed-guest.sh), Divsa's
# host unit tests (predictor, record format, decoder, trace replay) and the fuzzers of the decoder
# and of the arrival-CSV reader.
RD_SRCS   := tools/p2pdec.c tools/p2pdec_parse.c tools/p2pdec_replay.c kernel/lib/p2p_wire.c \
             kernel/lib/divsa_predict.c
RD_HDRS   := tools/p2pdec_parse.h tools/p2pdec_replay.h kernel/lib/p2p_wire.h \
             kernel/lib/divsa_predict.h kernel/lib/klib.h
RD_UNIT   := $(B)/tests/divsa-unit
RD_FUZZER := $(B)/fuzz/records-com2dec
RD_CSVFUZ := $(B)/fuzz/records-trace-csv
RD_INC    := -I. -Ikernel

ALL_TARGETS += $(B)/com2dec
TEST_DEPS   += $(B)/com2dec $(RD_UNIT) $(RD_FUZZER) $(RD_CSVFUZ)
BENCH_DEPS  += $(B)/com2dec
FUZZERS     += $(RD_FUZZER) $(RD_CSVFUZ)

.PHONY: records
records: $(B)/com2dec $(RD_UNIT) $(RD_FUZZER) $(RD_CSVFUZ)

$(B)/com2dec: $(RD_SRCS) $(RD_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(RD_INC) -o $@ $(filter %.c,$^)

$(RD_UNIT): tests/unit/divsa/test_divsa.c tests/unit/divsa/test_replay.c tests/unit/divsa/trace_csv.c \
            tests/unit/divsa/host_panic.c kernel/lib/divsa_predict.c tools/p2pdec_parse.c \
            tools/p2pdec_replay.c kernel/lib/p2p_wire.c tests/unit/divsa/trace_csv.h \
            tests/unit/divsa/tests.h $(RD_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(TEST_CFLAGS) $(RD_INC) -o $@ $(filter %.c,$^) $(TEST_LDLIBS)

$(RD_FUZZER): tests/fuzz/records/com2dec_fuzz.c tests/unit/divsa/host_panic.c tools/p2pdec_parse.c \
              tools/p2pdec_replay.c kernel/lib/p2p_wire.c kernel/lib/divsa_predict.c $(RD_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(RD_INC) -o $@ $(filter %.c,$^)

$(RD_CSVFUZ): tests/fuzz/records/trace_csv_fuzz.c tests/unit/divsa/trace_csv.c \
              tests/unit/divsa/host_panic.c tools/p2pdec_replay.c kernel/lib/p2p_wire.c \
              kernel/lib/divsa_predict.c tests/unit/divsa/trace_csv.h $(RD_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(RD_INC) -o $@ $(filter %.c,$^)
