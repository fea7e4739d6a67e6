#!/bin/sh
# kernel-vm.sh - moved to conformance/kernel/run.sh (`make kernel-check`, see
# conformance/kernel/README.md); kept so that old command lines still work:
#   tests/conformance/kernel-vm.sh [dlmfs-conform options] [SCENARIOS...]   (NODES=1|2|3)
exec "$(dirname "$0")/../../conformance/kernel/run.sh" "$@"
