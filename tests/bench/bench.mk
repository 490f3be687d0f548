# The benchmark (tests/bench/run): hlrun's start-up, call and restore costs next to their
# floors — a minimal ring-3 KVM process (floor), a bare KVM_RUN round trip (roundtrip),
# one line's round trip between two processes over pipes (piperound), benchguest's
# Compute run natively (compute) and its SumMapped over a file the host mmaps (mapsum) —
# on the host's KVM, or in one boot of the test VM.  echobridge is the host process of
# the bridge rows.  Included by the top-level Makefile (B, CC, CSTD, WARN, Q, say and
# HLRUN are set).
#
#   make bench         build, then run every row; table on stdout, $(B)/bench/bench.json
#   make bench-tools   build $(B)/bench/{floor,roundtrip,piperound,compute,mapsum,timeit,
#                      echobridge} only
#
# The driver reads BENCH_QUICK=1 (fewer repetitions) and BENCH_ROWS (a subset of groups,
# e.g. "floor roundtrip cold"); see tests/bench/run.

BENCH_DIR := $(B)/bench
BENCH_TOOLS := $(BENCH_DIR)/floor $(BENCH_DIR)/roundtrip $(BENCH_DIR)/compute \
	$(BENCH_DIR)/mapsum $(BENCH_DIR)/timeit $(BENCH_DIR)/piperound \
	$(BENCH_DIR)/echobridge
# Measuring tools, not code that meets hostile input: no hardening flags, so that the
# floor stays a floor.  -I. for the root-relative includes.
BENCH_CFLAGS := $(CSTD) -O2 -g $(WARN) -D_GNU_SOURCE -I.

$(BENCH_DIR)/floor: BENCH_LDFLAGS := -static
$(BENCH_DIR)/floor: tests/bench/floor.c tests/bench/minivm.c tests/bench/minivm.h
$(BENCH_DIR)/roundtrip: tests/bench/roundtrip.c tests/bench/minivm.c tests/bench/minivm.h \
	tests/bench/stats.c tests/bench/stats.h
$(BENCH_DIR)/compute: tests/bench/compute.c tests/guests/benchguest/compute.h
$(BENCH_DIR)/mapsum: tests/bench/mapsum.c tests/guests/benchguest/sum.h
$(BENCH_DIR)/timeit: tests/bench/timeit.c tests/bench/stats.c tests/bench/stats.h
$(BENCH_DIR)/piperound: tests/bench/piperound.c tests/bench/stats.c tests/bench/stats.h
$(BENCH_DIR)/echobridge: tests/bench/echobridge.c

$(BENCH_TOOLS):
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) $(BENCH_LDFLAGS) -o $@ $(filter %.c,$^)

bench-tools: $(BENCH_TOOLS)

# tests/vm/run runs the driver directly where /dev/kvm is usable and in one test-VM boot
# otherwise (HLRUN_VM overrides); the VM's time limit is lowered from its default of 30
# minutes so that a hang fails sooner.
bench: $(HLRUN) guests/bin/simpleguest.elf tests/guests/bin/benchguest.elf bench-tools
	HLRUN=$(HLRUN) BENCH_DIR=$(BENCH_DIR) HLRUN_VM_TIMEOUT=$${HLRUN_VM_TIMEOUT:-900} \
		tests/vm/run tests/bench/run

.PHONY: bench bench-tools
