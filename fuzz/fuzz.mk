# fuzz/fuzz.mk - included by the top Makefile. Owned by fuzz/.
#
#   make fuzz FUZZER=ops|scenario|fsdiff|api [SECONDS=N]   AFL++ run + stats
#   make fuzz-replay     every corpus through the gcc-built replayers (fast)
#   make fuzz-build      the AFL++ persistent-mode binaries only
#   make fuzz-tools      replayers, ops2scn, scn2ops (gcc)
#
# Each harness links fuzz/fz_main.c: built with $(CC) it replays its corpus
# ($(BUILD)/fuzz/NAME), built by a recursive make with BUILD=$(FZ_AFL) and
# CC=afl-clang-lto (else afl-clang-fast) it is the AFL++ target
# ($(FZ_AFL)/fuzz/NAME, one tree per compiler). Both builds share every
# rule below.

FZ        := $(BUILD)/fuzz
FZ_AFL_CC ?= $(if $(shell command -v afl-clang-lto 2>/dev/null),afl-clang-lto,afl-clang-fast)
FZ_AFL    := $(BUILD)/fuzz/$(notdir $(FZ_AFL_CC))
FZ_AFL_AR := $(if $(filter afl-clang-lto,$(FZ_AFL_CC)),$(firstword $(shell command -v llvm-ar llvm-ar-14 2>/dev/null) llvm-ar),$(AR))
FUZZER    ?= ops
SECONDS   ?= 60
FZ_HARN   := ops scenario fsdiff api
FZ_TOOLS  := $(FZ_HARN:%=$(FZ)/%) $(FZ)/ops2scn $(FZ)/scn2ops
FZ_OPS_OBJ := $(FZ)/fz_dec.o $(FZ)/ops_run.o
FZ_SEEDS  := $(FZ)/seeds/ops.stamp

$(FZ)/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ifuzz -MMD -MP -c $< -o $@

$(FZ)/ops: $(FZ)/fz_main.o $(FZ)/h_ops.o $(FZ_OPS_OBJ) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/scenario: $(FZ)/fz_main.o $(FZ)/h_scenario.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/fsdiff: $(FZ)/fz_main.o $(FZ)/h_fsdiff.o $(FZ)/fsd_mount.o \
	      $(FZ)/fz_dec.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/api: $(FZ)/fz_main.o $(FZ)/h_api.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/ops2scn: $(FZ)/ops2scn.o $(FZ_OPS_OBJ) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(FZ)/scn2ops: $(FZ)/scn2ops.o $(FZ)/fz_dec.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

# the ops/fsdiff seeds: every corpus scenario as an ops input
$(FZ_SEEDS): $(FZ)/scn2ops $(SCENARIOS)
	@rm -rf $(FZ)/seeds/ops && mkdir -p $(FZ)/seeds/ops
	@$(FZ)/scn2ops $(FZ)/seeds/ops $(SCENARIOS) >/dev/null
	@touch $@

fuzz-tools: $(FZ_TOOLS) $(FZ_SEEDS)

fuzz-build:
	@command -v $(FZ_AFL_CC) >/dev/null || \
	  { echo "make fuzz: $(FZ_AFL_CC) not found (AFL++)"; exit 2; }
	@AFL_QUIET=1 $(MAKE) --no-print-directory BUILD=$(FZ_AFL) \
	  CC=$(FZ_AFL_CC) AR=$(FZ_AFL_AR) $(FZ_HARN:%=$(FZ_AFL)/fuzz/%)

fuzz: fuzz-build fuzz-tools $(if $(filter fsdiff,$(FUZZER)),$(FUSE_BIN))
	@BUILD=$(BUILD) FZ_AFL=$(FZ_AFL) fuzz/afl-run.sh $(FUZZER) $(SECONDS)

fuzz-replay: fuzz-tools $(FUSE_BIN) $(SIMBIN)
	@BUILD=$(BUILD) fuzz/replay.sh

.PHONY: fuzz fuzz-replay fuzz-build fuzz-tools
