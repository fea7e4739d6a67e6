# examples/examples.mk - included by the top-level Makefile.
#
# The libo2dlm example programs (examples/o2dlm-*.c), linked against the
# unmodified libo2dlm.a of Debian's ocfs2-tools-dev, into $(BUILD)/examples/,
# and `make examples-check` (part of `make check` through EXTRA_CHECKS):
# examples/check.sh runs them across a 2-node dlmfs-fuse cluster and checks
# what they report. Without libo2dlm.a the programs are not built and the
# check says SKIP (exit 77), like the other FUSE checks.

EXAMPLES_PROGS := o2dlm-domain o2dlm-lock o2dlm-lvb o2dlm-bast
EXAMPLES_BIN   := $(EXAMPLES_PROGS:%=$(BUILD)/examples/%)
EXAMPLES_OBJ   := $(BUILD)/examples/common.o

EXAMPLES_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
O2DLM_A := $(firstword $(wildcard \
	/usr/lib/$(or $(EXAMPLES_MULTIARCH),x86_64-linux-gnu)/libo2dlm.a \
	/usr/lib/libo2dlm.a))
# <o2dlm/o2dlm.h> includes <et/com_err.h> (comerr-dev); a stand-in otherwise
EXAMPLES_CFLAGS := $(if $(wildcard /usr/include/et/com_err.h),,-Iexamples/include)
EXAMPLES_LIBS   := $(O2DLM_A) -l:libcom_err.so.2 -ldl

EXAMPLES_VG := valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	--suppressions=examples/valgrind.supp \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99

.PHONY: examples examples-check examples-valgrind

ifneq ($(O2DLM_A),)
examples: $(EXAMPLES_BIN)
all: examples
else
examples:
	@echo "examples: no libo2dlm.a (apt-get install ocfs2-tools-dev), not built"
endif

$(BUILD)/examples/common.o: examples/common.c examples/common.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXAMPLES_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/examples/%: examples/%.c $(EXAMPLES_OBJ) examples/common.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXAMPLES_CFLAGS) -Iexamples -MMD -MP -o $@ $< \
		$(EXAMPLES_OBJ) $(LDFLAGS) $(EXAMPLES_LIBS)

# the script says SKIP and exits 77 without /dev/fuse, fusermount3 or libo2dlm.a
examples-check: $(FUSE_BIN) $(COMPAT_SO) $(if $(O2DLM_A),$(EXAMPLES_BIN))
	@echo "== examples/: the libo2dlm programs across a 2-node dlmfs-fuse"
	@BUILD=$(BUILD) examples/check.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]

# the same, every example program under valgrind (leaks and errors fail)
examples-valgrind: $(FUSE_BIN) $(COMPAT_SO) $(if $(O2DLM_A),$(EXAMPLES_BIN))
	@echo "== examples/ under valgrind"
	@BUILD=$(BUILD) EXAMPLES_WRAP="$(EXAMPLES_VG)" examples/check.sh; \
		rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]

EXTRA_CHECKS += examples-check
