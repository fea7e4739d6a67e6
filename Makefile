# dlmfs-lab - top-level build. `make help` lists the targets.
#
# Layout: model/ (libdm.a, the oracle), sim/ (libsim.a + dlmfs-sim),
# tests/unit/ (cmocka, one binary per test_*.c), conformance/scenarios/.

CC       ?= gcc
BUILD    ?= build
CSTD     := -std=gnu11
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2 -g
CFLAGS   ?=
CFLAGS   += $(CSTD) -D_GNU_SOURCE $(WARN) $(OPT) $(EXTRA_CFLAGS) -Imodel -Isim -Iconformance
LDFLAGS  += $(EXTRA_LDFLAGS)
SCENARIOS := $(sort $(wildcard conformance/scenarios/*.scn))

MODEL_SRC := $(wildcard model/*.c)
SIM_SRC   := $(filter-out sim/main.c,$(wildcard sim/*.c))
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_HELP := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

MODEL_OBJ := $(MODEL_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ   := $(SIM_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HOBJ := $(UNIT_HELP:%.c=$(BUILD)/%.o)

FUSE_SRC  := $(wildcard fs/*.c)
FUSE_OBJ  := $(FUSE_SRC:%.c=$(BUILD)/%.o)
FUSE_BIN  := $(if $(FUSE_SRC),$(BUILD)/dlmfs-fuse)
FUSE_CFLAGS = $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE_LIBS   = $(shell pkg-config --libs fuse3 2>/dev/null) -lpthread

CONF_MAINS := conformance/conform_main.c conformance/agent_main.c
CONF_SRC  := $(filter-out $(CONF_MAINS),$(wildcard conformance/*.c))
CONF_OBJ  := $(CONF_SRC:%.c=$(BUILD)/%.o)
CONF_BIN  := $(if $(wildcard conformance/conform_main.c),$(BUILD)/dlmfs-conform) \
	     $(if $(wildcard conformance/agent_main.c),$(BUILD)/dlmfs-agent)
LIBCONF   := $(BUILD)/libconf.a
CONF_TEST_SRC := $(wildcard tests/conformance/test_*.c)
CONF_TEST_BIN := $(CONF_TEST_SRC:tests/conformance/%.c=$(BUILD)/tests/%)

COMPAT_SRC  := $(wildcard compat/*.c)
COMPAT_SO   := $(if $(COMPAT_SRC),$(BUILD)/libdlmfs-compat.so)
COMPAT_TEST := $(if $(COMPAT_SRC),$(BUILD)/tests/test_compat)

LIBDM  := $(BUILD)/libdm.a
LIBSIM := $(BUILD)/libsim.a
SIMBIN := $(BUILD)/dlmfs-sim

.PHONY: all check run sim bench valgrind asan install clean help deps \
	unit scenarios explore-check

all: $(SIMBIN) $(UNIT_BIN) $(FUSE_BIN) $(CONF_BIN) $(CONF_TEST_BIN) $(COMPAT_SO) $(COMPAT_TEST)

help:
	@echo "make run           build, mount a 2-node dlmfs-fuse cluster, run dlmfs-conform on it, report"
	@echo "make check         every test: unit, corpus, explore, conformance, dlmfs-fuse, examples, install"
	@echo "make sim           build dlmfs-sim only"
	@echo "make bench         model, explore and dlmfs-fuse throughput (ratios to a baseline)"
	@echo "make valgrind      unit tests, corpus, explore and a dlmfs-fuse conformance run under valgrind"
	@echo "make asan          ASan/UBSan build + unit, corpus, explore, dlmfs-fuse checks"
	@echo "make fuzz          FUZZER=ops|scenario|api|fsdiff SECONDS=N: afl-fuzz one harness"
	@echo "make coverage      lcov report under coverage/html, thresholds enforced"
	@echo "make kernel-check  NODES=1|2|3: the corpus on Debian's kernel in qemu"
	@echo "make install       PREFIX, DESTDIR, bindir, sbindir, libdir, mandir"
	@echo "make clean"

deps:
	@scripts/deps.sh all

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fs/%.o: fs/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUSE_CFLAGS) -Ifs -MMD -MP -c $< -o $@

# an LD_PRELOAD shim: libo2dlm and kernel-VFS corners on dlmfs-fuse (compat/)
$(BUILD)/libdlmfs-compat.so: $(COMPAT_SRC) $(wildcard compat/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icompat -fPIC -shared -o $@ $(COMPAT_SRC) $(LDFLAGS) -ldl

$(BUILD)/tests/test_compat: tests/compat/test_compat.c $(wildcard compat/*.h) | $(COMPAT_SO) $(FUSE_BIN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Icompat -MMD -MP -o $@ $< $(LDFLAGS) -lcmocka -ldl -lpthread

$(BUILD)/dlmfs-fuse: $(FUSE_OBJ) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(FUSE_LIBS) $(LDFLAGS)

$(LIBDM): $(MODEL_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(LIBSIM): $(SIM_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(SIMBIN): $(BUILD)/sim/main.o $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

$(LIBCONF): $(CONF_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/dlmfs-conform: $(BUILD)/conformance/conform_main.o $(LIBCONF) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lcmocka -lpthread

$(BUILD)/dlmfs-agent: $(BUILD)/conformance/agent_main.o $(LIBCONF) $(LIBSIM) $(LIBDM)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lpthread

$(BUILD)/tests/%: tests/conformance/%.c $(LIBCONF) $(LIBSIM) $(LIBDM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iconformance -MMD -MP -o $@ $< $(LIBCONF) $(LIBSIM) $(LIBDM) $(LDFLAGS) -lcmocka -lpthread

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HOBJ) $(LIBSIM) $(LIBDM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(UNIT_HOBJ) $(LIBSIM) $(LIBDM) $(LDFLAGS) -lcmocka

sim: $(SIMBIN)

unit: $(UNIT_BIN)
	@scripts/deps.sh check
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

scenarios: $(SIMBIN)
	@echo "== dlmfs-sim run conformance/scenarios/*.scn"
	@$(SIMBIN) run $(SCENARIOS)

# Fixed kernels (>= 5.19) must keep every invariant; pre-5.19 profiles break
# mutual exclusion by design (docs/findings/), so they are explored by hand.
EXPLORE := timeout 600 $(SIMBIN) explore --quiet --hash
explore-check: $(SIMBIN)
	@echo "== dlmfs-sim explore (seeded, invariants after every step)"
	@$(EXPLORE) --seed 42 --nodes 3 --actors 6 --steps 1000000 --faults
	@$(EXPLORE) --seed 3 --nodes 3 --actors 6 --steps 300000 --faults --profile linux-6-user
	@$(EXPLORE) --seed 7 --nodes 5 --actors 10 --locks 2 --steps 300000 --faults
	@$(EXPLORE) --seed 8 --nodes 4 --actors 8 --steps 300000 --faults --profile linux-6-user
	@$(EXPLORE) --seed 9 --nodes 2 --actors 6 --locks 1 --domains 1 --steps 300000 --faults

# dlmfs-fuse: exit 77 = skipped (no /dev/fuse or fusermount3), said by the script
FUSE_VG := valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99
fuse-check: $(BUILD)/dlmfs-fuse
	@echo "== dlmfs-fuse functional tests (2 and 3 nodes)"
	@BUILD=$(BUILD) CC=$(CC) tests/fuse/run.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
fuse-stress: $(BUILD)/dlmfs-fuse
	@echo "== dlmfs-fuse stress (3 nodes x 8 processes, kill -9, live invariants)"
	@BUILD=$(BUILD) CC=$(CC) tests/fuse/stress.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
fuse-bench: $(BUILD)/dlmfs-fuse
	@BUILD=$(BUILD) CC=$(CC) tests/fuse/bench.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
fuse-valgrind:
	@$(MAKE) --no-print-directory BUILD=build/vg OPT="-O1 -g" build/vg/dlmfs-fuse
	@BUILD=build/vg WRAP="$(FUSE_VG)" tests/fuse/run.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
.PHONY: fuse-check fuse-stress fuse-bench fuse-valgrind

# the scripts exit 77 = skipped (no /dev/fuse, fusermount3, root or libo2dlm.a), said by them
fuse-conform: $(FUSE_BIN) $(CONF_BIN) $(COMPAT_SO) $(COMPAT_TEST)
	@echo "== libdlmfs-compat.so on a live dlmfs-fuse"
	@$(COMPAT_TEST)
	@echo "== ocfs2-tools' libo2dlm on dlmfs-fuse through libdlmfs-compat.so"
	@BUILD=$(BUILD) CC=$(CC) tests/compat/o2dlm-smoke.sh $(BUILD); rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
	@echo "== the corpus on dlmfs-fuse clusters (linux-6 2 and 3 nodes, linux-6-user, linux-5.4, linux-3.x)"
	@tests/conformance/fuse-conform.sh $(BUILD); rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
.PHONY: fuse-conform

# the README's 2-node console session, replayed and compared line by line
readme-check: $(FUSE_BIN)
	@echo "== README.md's 2-node walkthrough"
	@tests/readme/walkthrough.sh $(BUILD); rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]
.PHONY: readme-check

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit scenarios explore-check conform-check \
		conform-real-check fuse-check fuse-stress fuse-conform fuzz-replay \
		readme-check $(EXTRA_CHECKS)

# build, mount a 2-node dlmfs-fuse cluster, run dlmfs-conform on it, report, unmount
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-cluster.sh $(BUILD) 2

conform-check: $(BUILD)/dlmfs-conform $(BUILD)/dlmfs-agent $(CONF_TEST_BIN)
	@set -e; for t in $(CONF_TEST_BIN); do echo "== $$t"; $$t; done
	@echo "== dlmfs-conform --target model"
	@$(BUILD)/dlmfs-conform --target model $(SCENARIOS)

# real syscalls on non-dlmfs directories must fail cleanly; agent == local
conform-real-check: $(BUILD)/dlmfs-conform $(BUILD)/dlmfs-agent
	@tests/conformance/tmpfs-fails.sh $(BUILD)
	@tests/conformance/agent-vs-local.sh $(BUILD)
.PHONY: conform-check conform-real-check

bench: deps
	@$(MAKE) --no-print-directory $(SIMBIN) $(BUILD)/dlmfs-fuse
	$(SIMBIN) bench
	@$(MAKE) --no-print-directory fuse-bench

valgrind: deps
	@$(MAKE) --no-print-directory all OPT="-O1 -g"
	@set -e; for t in $(UNIT_BIN); do \
	  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all $$t; done
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
	  $(SIMBIN) explore --quiet --seed 42 --nodes 3 --actors 6 --steps 100000 --faults
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
	  $(SIMBIN) run $(SCENARIOS)
	@$(MAKE) --no-print-directory fuse-valgrind
	@echo "== dlmfs-fuse under valgrind through a full conformance run"
	@$(MAKE) --no-print-directory BUILD=build/vg OPT="-O1 -g" build/vg/dlmfs-conform \
		build/vg/libdlmfs-compat.so
	@WRAP="$(FUSE_VG)" scripts/run-cluster.sh build/vg 2
	@$(MAKE) --no-print-directory examples-valgrind

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" unit scenarios explore-check fuse-check

include fuzz/fuzz.mk coverage/coverage.mk conformance/kernel/kernel.mk
# examples/ (libo2dlm programs) and man/ (man pages, make install) append
# their make check targets to EXTRA_CHECKS
-include examples/examples.mk man/man.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
