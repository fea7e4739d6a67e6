# fuzz/fuzz.mk - included by the top Makefile. Owned by fuzz/.
#
#   make fuzz FUZZER=ops|scenario|fsdiff [SECONDS=N]  AFL++ run, then its stats
#   make fuzz-replay          replay every corpus with the gcc build (fast)
#   make fuzz-build           the AFL++ binaries only
#
# Every harness links fuzz/fz_main.c: built with $(CC) it is a replayer of
# its corpus ($(BUILD)/fuzz/NAME), built with afl-clang-fast (a recursive
# make with BUILD=$(FZ_AFL)) the persistent-mode fuzz target.

FZ        := $(BUILD)/fuzz
FZ_AFL    := $(BUILD)/fuzz/afl
FZ_AFL_CC ?= afl-clang-fast
FUZZER    ?= ops
SECONDS   ?= 60
FZ_HARN   := ops scenario fsdiff
FZ_TOOLS  := ops2scn scn2ops scn-run
FZ_CFLAGS  = $(CFLAGS) -Ifuzz

$(FZ)/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FZ_CFLAGS) -MMD -MP -c $< -o $@

FZ_OPS_OBJ := $(FZ)/fz_dec.o $(FZ)/ops_run.o

$(FZ)/ops: $(FZ)/fz_main.o $(FZ)/h_ops.o $(FZ_OPS_OBJ) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/scenario: $(FZ)/fz_main.o $(FZ)/h_scenario.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/fsdiff: $(FZ)/fz_main.o $(FZ)/h_fsdiff.o $(FZ)/fsd_mount.o $(FZ)/fz_dec.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/ops2scn: $(FZ)/ops2scn.o $(FZ_OPS_OBJ) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/scn2ops: $(FZ)/scn2ops.o $(FZ)/fz_dec.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

fuzz:
	@echo "make fuzz: not yet built (issue 5)"; exit 2
fuzz-replay: $(FZ)/ops
	@echo "make fuzz-replay: not yet built (issue 5)"; exit 2
.PHONY: fuzz fuzz-replay
