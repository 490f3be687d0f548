# libFuzzer targets for what hlrun reads from hostile sources: guest ELF files
# (fuzz_elf), manifests (fuzz_manifest), messages in guest memory (fuzz_wire),
# command-line arguments (fuzz_args), snapshot files (fuzz_snapshot), batch-mode lines
# (fuzz_batch), what a crashing guest gives the core writer (fuzz_core), and a host
# process's reply lines (fuzz_bridge).  Included by the top-level Makefile after its tests
# section (B, CSTD, WARN, CPPFLAGS, LIBCFLAGS, LIBS, LIB_SRCS, Q and say are set).
#
#   make fuzz          each target for FUZZ_SECONDS (60) on $(B)/fuzz/corpus/NAME
#   make fuzz-smoke    each for FUZZ_SMOKE_SECONDS (5); fails on any finding (make check)
#   make fuzzers       build $(B)/fuzz/fuzz_NAME only
#
# Seeds live in tests/fuzz/corpus/NAME and are copied, never written to.  A finding's
# input is saved under $(B)/fuzz/crashes/NAME/; reproduce with $(B)/fuzz/fuzz_NAME FILE.

FUZZ_TARGETS := elf manifest wire args snapshot batch core bridge
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := $(CSTD) -g -O1 $(WARN) $(FUZZ_SAN)
FUZZ_DIR := $(B)/fuzz

# The host modules, instrumented the same way, in an archive so that each target links
# only the objects it reaches.
FUZZ_LIB := $(FUZZ_DIR)/libhlrun.a
FUZZ_LIB_OBJS := $(addsuffix .o,$(addprefix $(FUZZ_DIR)/obj/,$(basename $(LIB_SRCS)))) \
	$(FUZZ_DIR)/obj/gen/confine_bpf.o
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

# Longest input per target, and extra libFuzzer options.
FUZZ_MAX_LEN_elf := 65536
FUZZ_MAX_LEN_manifest := 65536
FUZZ_MAX_LEN_wire := 8192
FUZZ_MAX_LEN_args := 4096
# The seeds (made by tests/unit/test_snapshot.c) are up to 52 KiB.
FUZZ_MAX_LEN_snapshot := 131072
FUZZ_MAX_LEN_batch := 4096
FUZZ_MAX_LEN_core := 4096
FUZZ_MAX_LEN_bridge := 4096
FUZZ_OPTS_manifest := -dict=tests/fuzz/manifest.dict
FUZZ_OPTS_args := -dict=tests/fuzz/args.dict
FUZZ_OPTS_bridge := -dict=tests/fuzz/bridge.dict

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(LIBCFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/gen/confine_bpf.o: $(CONFINE_BPF)
	@mkdir -p $(@D)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(call say,FUZZAS,$@)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -c -o $@ $<

# Warnings in the host modules are the gcc build's to report (with -Werror); what only
# clang warns of there (the GNU extension kvm/ needs for KVM_SET_SIGNAL_MASK) must neither
# stop nor clutter the fuzz build.  The targets keep $(WARN).
$(FUZZ_LIB_OBJS): FUZZ_CFLAGS += -w
$(FUZZ_DIR)/obj/guests/%.o: CPPFLAGS += -Iguests/include

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

fuzzers: $(FUZZ_BINS)

# fuzz-run-NAME and fuzz-smoke-NAME: one target each, so that make -j runs them side by side.
FUZZ_RUN = tests/fuzz/run $(FUZZ_DIR)/fuzz_$(1) tests/fuzz/corpus/$(1) $(FUZZ_DIR) $(2) \
	-max_len=$(FUZZ_MAX_LEN_$(1)) $(FUZZ_OPTS_$(1))

fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)
fuzz-smoke: $(FUZZ_TARGETS:%=fuzz-smoke-%)

$(FUZZ_TARGETS:%=fuzz-run-%): fuzz-run-%: $(FUZZ_DIR)/fuzz_%
	@$(call FUZZ_RUN,$*,$(FUZZ_SECONDS))

$(FUZZ_TARGETS:%=fuzz-smoke-%): fuzz-smoke-%: $(FUZZ_DIR)/fuzz_%
	@$(call FUZZ_RUN,$*,$(FUZZ_SMOKE_SECONDS))

.PHONY: fuzzers fuzz fuzz-smoke $(FUZZ_TARGETS:%=fuzz-run-%) $(FUZZ_TARGETS:%=fuzz-smoke-%)
