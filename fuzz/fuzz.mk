# fuzz/fuzz.mk - included by the top Makefile. Owned by fuzz/.
fuzz:
	@echo "make fuzz: not yet built (issue 5)"; exit 2
fuzz-replay:
	@echo "make fuzz-replay: not yet built (issue 5)"; exit 2
.PHONY: fuzz fuzz-replay
