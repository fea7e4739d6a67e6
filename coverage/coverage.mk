# coverage/coverage.mk - included by the top Makefile. Owned by coverage/.
#
#   make coverage   gcov build in build/cov (-O0 --coverage), every test
#                   (coverage/run.sh), lcov HTML report with branches in
#                   coverage/html/, per-folder line/branch percentages,
#                   fails below coverage/thresholds.

COV_BUILD := build/cov
COV_FLAGS := --coverage

coverage: deps
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) OPT='-O0 -g' \
	  EXTRA_CFLAGS='$(COV_FLAGS)' EXTRA_LDFLAGS=--coverage \
	  all fuzz-tools
	@COV_BUILD=$(COV_BUILD) coverage/run.sh

.PHONY: coverage
