# conformance/kernel/kernel.mk - the corpus against the real kernel's
# ocfs2_dlmfs in qemu VMs (conformance/kernel/README.md). Included by the
# top Makefile after libconf/libsim/libdm are defined.
#   make kernel-check [NODES=1|2|3] [KERNEL=linux-image-...] [KERNEL_CACHE=dir]
#   make kernel-clean     stop leftover VMs, remove KERNEL_CACHE
# Exit: 0 passed or skipped (no qemu, packages or kernel: "SKIP: why"), else failed.

KERNEL_CACHE ?= $(BUILD)/kernel-cache
NODES        ?= 2
KERNEL       ?=
KAGENT       := $(BUILD)/kernel/dlmfs-agent-static

# the agent inside the VMs' initramfs: static, no shared libraries there
$(KAGENT): $(BUILD)/conformance/agent_main.o $(LIBCONF) $(LIBSIM) $(LIBDM)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -static -o $@ $^ $(LDFLAGS) -lpthread

kernel-check:
	@scripts/deps.sh build
	@scripts/deps.sh kernel || { echo "kernel-check: SKIP: host packages"; exit 0; }
	@$(MAKE) --no-print-directory $(BUILD)/dlmfs-conform $(KAGENT)
	@BUILD=$(BUILD) KERNEL_CACHE=$(KERNEL_CACHE) NODES=$(NODES) KERNEL=$(KERNEL) \
		conformance/kernel/run.sh; rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ]

kernel-clean:
	@for r in $(KERNEL_CACHE)/run /tmp/dlmfs-kernel-$$(id -u); do \
		[ -f $$r/config ] && conformance/kernel/vm.sh $$r stop; done; true
	rm -rf $(KERNEL_CACHE) $(BUILD)/kernel

.PHONY: kernel-check kernel-clean
