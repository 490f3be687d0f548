# hlrun: run a function of an untrusted guest ELF in a KVM micro-VM.
#
#   make            hlrun, the guest SDK library and the sample guests
#   make deps       install what building and testing need (Debian 12, apt-get)
#   make check      the test runner's own checks, unit tests, man-page and --help lint,
#                   fuzz smoke, the KVM suite on the host's own /dev/kvm and again in one
#                   test-VM boot, check-sdk, a sample of the mutants, then check-san
#   make check-sdk  install into build/sdk-test, build a guest with the installed SDK alone
#                   (gcc and clang), run it with the installed hlrun, uninstall
#   make check-san  unit and KVM suites again, built with AddressSanitizer and UBSan
#   make mutants    every planted bug of tests/mutants must fail a suite (check: a sample)
#   make coverage   line coverage of each host module by the unit and KVM suites (gcovr)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (make check runs a short smoke)
#   make bench      the benchmark on the host's /dev/kvm (the test VM without one):
#                   a table and $(B)/bench/bench.json
#   make demo       run a sample guest function (through tests/vm without /dev/kvm)
#   make install    hlrun, its manual pages and the guest SDK under PREFIX (/usr/local),
#                   DESTDIR honoured; make uninstall removes them
#   make clean      remove everything make built

CC        ?= cc
PKG_CONFIG ?= pkg-config
PREFIX    ?= /usr/local

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wwrite-strings -Wcast-qual -Wpointer-arith -Wundef
CSTD      := -std=c11
OPT       ?= -O2 -g
HARDEN    := -fstack-protector-strong -D_FORTIFY_SOURCE=2
CPPFLAGS  += -I. -D_GNU_SOURCE -MMD -MP
CFLAGS    += $(CSTD) $(OPT) $(WARN) $(HARDEN)

LIBS      := $(shell $(PKG_CONFIG) --libs libelf yaml-0.1 nettle 2>/dev/null) -lm
# hlrun itself is linked static-pie: no dynamic loader or library relocations at every
# start (about half of a cold run's time under emulation, see make bench), and the
# addresses still randomised.  Sanitizer builds and the tests link dynamically.
HLRUN_LDFLAGS := -static-pie
HLRUN_LIBS := $(shell $(PKG_CONFIG) --static --libs libelf yaml-0.1 nettle 2>/dev/null) -lm
LIBCFLAGS := $(shell $(PKG_CONFIG) --cflags libelf yaml-0.1 libseccomp nettle 2>/dev/null)
# libseccomp only builds the filters, when hlrun is built (core/confine_gen.c).
SECCOMP_LIBS := $(shell $(PKG_CONFIG) --libs libseccomp 2>/dev/null)
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)
CRIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)

B := build
HLRUN := hlrun

# `make SAN=1 TARGET` builds the host side with AddressSanitizer and UndefinedBehavior-
# Sanitizer into build/san (hlrun too); guests stay as the normal build makes them.
ifeq ($(SAN),1)
B := build/san
HLRUN := $(B)/hlrun
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HLRUN_LDFLAGS :=
HLRUN_LIBS = $(LIBS)
HARDEN := -fstack-protector-strong
CFLAGS += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
endif

# `make COV=1 TARGET` builds the host side unoptimised with gcov instrumentation into
# build/cov (hlrun too), for make coverage.
ifeq ($(COV),1)
B := build/cov
HLRUN := $(B)/hlrun
HLRUN_LDFLAGS :=
HLRUN_LIBS = $(LIBS)
OPT := -O0 -g
HARDEN := -fstack-protector-strong
CPPFLAGS += -DHLRUN_COVERAGE
CFLAGS += --coverage
LDFLAGS += --coverage
endif

# Quiet by default; `make V=1` shows the commands.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# ---- host program --------------------------------------------------------------------
MODULES   := common kvm loader core target cli
# The wire codec is the guest SDK's, compiled for the host too: the ABI is written once.
# The generator of the seccomp filters runs when hlrun is built and is no part of it.
CONFINE_GEN_SRC := core/confine_gen.c
LIB_SRCS  := $(filter-out $(CONFINE_GEN_SRC),$(foreach m,$(MODULES),$(wildcard $(m)/*.c \
	$(m)/*.S))) guests/wire/hlwire.c
# The filters it writes, as C, compiled with the modules.
CONFINE_BPF := $(B)/gen/confine_bpf.c
LIB_OBJS  := $(addsuffix .o,$(addprefix $(B)/host/,$(basename $(LIB_SRCS)))) \
	$(CONFINE_BPF:.c=.o)
HLRUN_OBJS := $(B)/host/hlrun.o $(LIB_OBJS)

all: $(HLRUN) guests

$(HLRUN): $(HLRUN_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(HLRUN_LDFLAGS) -o $@ $^ $(HLRUN_LIBS)

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(LIBCFLAGS) $(CFLAGS) -c -o $@ $<

# The seccomp filters: rules compiled to BPF by libseccomp when hlrun is built, installed
# as they are at run time (core/confine.c).  The generator links the one table of KVM
# requests it needs (kvm/ioctls.c).
$(B)/gen/confine_gen: $(B)/host/$(CONFINE_GEN_SRC:.c=.o) $(B)/host/kvm/ioctls.o
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SECCOMP_LIBS)

$(CONFINE_BPF): $(B)/gen/confine_gen
	$(call say,GEN,$@)
	$(Q)$(B)/gen/confine_gen $@

$(CONFINE_BPF:.c=.o): $(CONFINE_BPF)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# kvm/ring0_entry.S: ring 0's code, which hlrun copies into every guest.
$(B)/host/%.o: %.S
	@mkdir -p $(@D)
	$(call say,AS,$@)
	$(Q)$(CC) $(CPPFLAGS) -c -o $@ $<

$(B)/host/guests/%.o: CPPFLAGS += -Iguests/include

# ---- guest SDK and guests ------------------------------------------------------------------
# What every guest is compiled and linked with, written once: the guests here are built with
# these flags, and make install writes them into hlguest.pc for everyone else (hlrun-guest(7)
# says why each is there).  Freestanding, with no header or library of the host: --sysroot
# names the SDK's own directory, which has no usr/include, so the compiler finds only its
# own headers, for gcc and clang alike; static at the address of the SDK's linker script.
GUEST_SDK_CFLAGS := -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fstack-clash-protection \
	-fno-asynchronous-unwind-tables -fcf-protection=none
GUEST_SDK_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
	-Wl,-z,noexecstack
# $(call guest_cflags,SDK-DIR,INCLUDE-DIR) and $(call guest_libs,SDK-DIR,LINKER-SCRIPT),
# where SDK-DIR holds libhlguest.a.
guest_cflags = $(GUEST_SDK_CFLAGS) --sysroot=$(1) -I$(2)
guest_libs = $(GUEST_SDK_LDFLAGS) -Wl,-T,$(2) -L$(1) -lhlguest -lgcc

GUEST_CC  ?= $(CC)
GUEST_CFLAGS := -std=c11 -O2 -g $(call guest_cflags,$(B)/guest,guests/include) $(WARN) -MMD -MP
GUEST_LIBS := $(call guest_libs,$(B)/guest,guests/runtime/hlguest.ld)

include guests/libc/libc.mk

SDK_SRCS  := guests/runtime/start.S guests/runtime/runtime.c guests/wire/hlwire.c \
	$(GUEST_LIBC_SRCS)
SDK_OBJS  := $(addsuffix .o,$(addprefix $(B)/guest/,$(basename $(SDK_SRCS))))
SDK_LIB   := $(B)/guest/libhlguest.a
# The example guest, and the guests that only tests and the benchmark run.
GUEST_NAMES := simpleguest
TEST_GUEST_NAMES := hostileguest benchguest printguest badinitguest bridgeguest
GUEST_ELFS := $(GUEST_NAMES:%=guests/bin/%.elf) $(TEST_GUEST_NAMES:%=tests/guests/bin/%.elf)

# Each guest's objects come from a chain of pattern rules, which makes them intermediate
# files: make would delete them after linking and build them again on its next run.
GUEST_OBJS := $(patsubst %.c,$(B)/guest/%.o,$(wildcard $(GUEST_NAMES:%=guests/%/*.c) \
	$(TEST_GUEST_NAMES:%=tests/guests/%/*.c)))
.SECONDARY: $(GUEST_OBJS)

guests: $(GUEST_ELFS)

# The guests' flags as last built with: a change of them (or of GUEST_CC) rebuilds every
# guest object, as a change of a source does.
GUEST_FLAGS_SEEN := $(B)/guest/flags
$(GUEST_FLAGS_SEEN): FORCE
	@mkdir -p $(@D)
	@echo '$(GUEST_CC) $(GUEST_CFLAGS)' | cmp -s - $@ || echo '$(GUEST_CC) $(GUEST_CFLAGS)' > $@
FORCE:

$(B)/guest/%.o: %.c $(GUEST_FLAGS_SEEN)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(B)/guest/%.o: %.S $(GUEST_FLAGS_SEEN)
	@mkdir -p $(@D)
	$(call say,AS,$@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(SDK_LIB): $(SDK_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Guest NAME is built from guests/NAME/*.c, test guest NAME from tests/guests/NAME/*.c.
define link_guest
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(GUEST_CC) -o $@ $(filter %.o,$^) $(GUEST_LIBS)
endef
.SECONDEXPANSION:
guests/bin/%.elf: $$(subst .c,.o,$$(addprefix $(B)/guest/,$$(wildcard guests/$$*/*.c))) $(SDK_LIB) \
		guests/runtime/hlguest.ld
	$(link_guest)
tests/guests/bin/%.elf: $$(subst .c,.o,$$(addprefix $(B)/guest/,$$(wildcard tests/guests/$$*/*.c))) \
		$(SDK_LIB) guests/runtime/hlguest.ld
	$(link_guest)

# ---- tests -----------------------------------------------------------------------------
# tests/unit/test_NAME.c and tests/kvm/test_NAME.c each become one Criterion binary linked
# against all host modules (not hlrun.c) and tests/leaks.c (what LeakSanitizer checks).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
KVM_SRCS  := $(wildcard tests/kvm/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
KVM_BINS  := $(KVM_SRCS:%.c=$(B)/%)
TEST_BINS := $(UNIT_BINS) $(KVM_BINS)

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(LIBCFLAGS) $(CRIT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(TEST_BINS): $(B)/tests/%: $(B)/tests/%.o $(B)/tests/leaks.o $(LIB_OBJS)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CRIT_LIBS)

# The fault-injection suites (tests/kvm/test_faults*.c) put themselves between hlrun's
# modules and these functions: each is linked with the wrappers of tests/kvm/faults.c.
FAULT_WRAPS := malloc calloc realloc strdup free ioctl mmap open openat read pread write \
	memfd_create fcntl fork pipe2 socketpair timer_create timer_settime sigaction \
	pthread_sigmask getrandom mkdir access
FAULT_BINS := $(filter $(B)/tests/kvm/test_faults%,$(KVM_BINS))
$(FAULT_BINS): $(B)/tests/kvm/faults.o
$(FAULT_BINS): LDFLAGS += $(FAULT_WRAPS:%=-Wl,--wrap=%)

tests: $(TEST_BINS)

check: check-runner check-unit lint-man check-docs fuzz-smoke check-kvm check-sdk check-mutants \
	check-san

check-unit: all $(UNIT_BINS)
	tests/run-suite $(UNIT_BINS)

# The runner itself: a green suite passes, every way of faking one fails.
RUNNER_BINS := $(B)/tests/runner/pass $(B)/tests/runner/fail

$(RUNNER_BINS): $(B)/tests/runner/%: tests/runner/%.c
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CRIT_CFLAGS) $(CFLAGS) -o $@ $< $(CRIT_LIBS)

check-runner: $(RUNNER_BINS)
	tests/runner/check $(B)/tests/runner

# Two KVMs: the host's own /dev/kvm (PVM on this project's machines) when it has one, and
# the test VM's (nested SVM under emulation), where one boot runs every KVM test binary.
check-kvm: check-kvm-host check-kvm-vm

check-kvm-host: all $(KVM_BINS)
	@if [ -e /dev/kvm ]; then echo "check-kvm-host: the host's /dev/kvm"; \
		HLRUN_VM=never tests/run-suite $(KVM_BINS); \
	else echo "check-kvm-host: this host has no /dev/kvm; the test VM's KVM alone"; fi

check-kvm-vm: all $(KVM_BINS)
	HLRUN_VM=always tests/vm/run tests/run-suite $(KVM_BINS)

# The same suites against the sanitizer build: any report fails the test that caused it.
# Its KVM suite runs once, on the host's KVM where there is one (tests/vm/run).
SAN_ENV := ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1
check-san: all
	$(Q)$(MAKE) --no-print-directory SAN=1 build/san/hlrun $(UNIT_BINS:$(B)/%=build/san/%) \
		$(KVM_BINS:$(B)/%=build/san/%)
	$(SAN_ENV) tests/run-suite $(UNIT_BINS:$(B)/%=build/san/%)
	$(SAN_ENV) HLRUN=build/san/hlrun tests/vm/run tests/run-suite $(KVM_BINS:$(B)/%=build/san/%)

# Mutation testing: each tests/mutants/*.mutant plants a bug in a scratch copy of the tree
# (build/mutants) and the unit or KVM suite must fail on it.  make check runs a sample of
# MUTANTS_SAMPLE, chosen by the commit; make mutants runs them all.
MUTANTS_SAMPLE ?= 3
mutants: all
	tests/mutants/run

check-mutants: all
	tests/mutants/run -n $(MUTANTS_SAMPLE)

# Line coverage of the host modules by the unit suite and the KVM suite on both KVMs (the
# host's, where there is one, and the test VM's), per module, and per file in
# build/cov/coverage.txt.
coverage: all
	$(Q)$(MAKE) --no-print-directory COV=1 build/cov/hlrun $(UNIT_BINS:$(B)/%=build/cov/%) \
		$(KVM_BINS:$(B)/%=build/cov/%)
	$(Q)find build/cov -name '*.gcda' -delete
	tests/run-suite $(UNIT_BINS:$(B)/%=build/cov/%)
	@if [ -e /dev/kvm ]; then HLRUN=build/cov/hlrun HLRUN_VM=never \
		tests/run-suite $(KVM_BINS:$(B)/%=build/cov/%); fi
	HLRUN=build/cov/hlrun HLRUN_VM=always tests/vm/run \
		tests/run-suite $(KVM_BINS:$(B)/%=build/cov/%)
	tests/coverage/report build/cov $(MODULES)

include tests/fuzz/fuzz.mk
include tests/bench/bench.mk

MAN_PAGES := $(wildcard man/*.[1-9])

# mandoc prints nothing for a clean page; anything it prints fails the check.
lint-man:
	@out=$$(mandoc -Tlint -Wstyle $(MAN_PAGES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	echo "mandoc -Tlint: $(words $(MAN_PAGES)) pages clean"

# --help, hlrun(1) and the option parser name the same options and exit statuses.
check-docs: $(HLRUN)
	tests/docs/check ./$(HLRUN)

# The installed SDK alone builds a guest outside the tree, with gcc and with clang, and the
# installed hlrun runs it (through the test VM where the host has no /dev/kvm); make
# uninstall then leaves no file behind.  Installs into $(B)/sdk-test/dest.
check-sdk: all
	MAKE="$(MAKE)" tests/sdk/check $(B)/sdk-test

# Runs a sample guest function; through the test VM where the host has no /dev/kvm.
demo: deps all
	@tests/vm/run sh -c 'set -x; ./hlrun $(DEMO_GUEST) Echo "hello from a micro-VM" && \
		./hlrun $(DEMO_GUEST) Add 2 3'

DEMO_GUEST := guests/bin/simpleguest.elf

# ---- installing ---------------------------------------------------------------------------
# hlrun, stripped, the manual pages, and the guest SDK: the headers in include/hlguest, the
# library (without debugging information, which holds paths of this tree) and the linker
# script in lib/hlguest, where no host program's link finds the library's malloc and
# memcpy, and hlguest.pc, which names them with the flags above.
BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man
SDK_INCDIR := $(PREFIX)/include/hlguest
SDK_LIBDIR := $(PREFIX)/lib/hlguest
PCDIR      := $(PREFIX)/lib/pkgconfig
SDK_HEADERS := $(wildcard guests/include/*.h)
HLRUN_VERSION := $(shell sed -n 's/^.define HLRUN_VERSION "\(.*\)"$$/\1/p' hlrun.c)
INSTALLED  := $(BINDIR)/hlrun \
	$(foreach p,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p))) \
	$(SDK_HEADERS:guests/include/%=$(SDK_INCDIR)/%) $(SDK_LIBDIR)/libhlguest.a \
	$(SDK_LIBDIR)/hlguest.ld $(PCDIR)/hlguest.pc

install: all
	install -d $(addprefix $(DESTDIR),$(sort $(dir $(INSTALLED))))
	install -s -m 755 hlrun $(DESTDIR)$(BINDIR)/hlrun
	for p in $(MAN_PAGES); do \
		install -m 644 $$p $(DESTDIR)$(MANDIR)/man$${p##*.}/$${p##*/} || exit; \
	done
	install -m 644 $(SDK_HEADERS) $(DESTDIR)$(SDK_INCDIR)
	install -m 644 $(SDK_LIB) guests/runtime/hlguest.ld $(DESTDIR)$(SDK_LIBDIR)
	strip -g $(DESTDIR)$(SDK_LIBDIR)/libhlguest.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(HLRUN_VERSION)|' \
		-e 's|@CFLAGS@|$(call guest_cflags,$${sdkdir},$${includedir}/hlguest)|' \
		-e 's|@LIBS@|$(call guest_libs,$${sdkdir},$${sdkdir}/hlguest.ld)|' \
		guests/hlguest.pc.in >$(DESTDIR)$(PCDIR)/hlguest.pc
	chmod 644 $(DESTDIR)$(PCDIR)/hlguest.pc

# Removes what install put there, and the SDK's own directories once they are empty.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(DESTDIR)$(SDK_INCDIR) $(DESTDIR)$(SDK_LIBDIR); do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d || exit; \
	done

# ---- setup and housekeeping --------------------------------------------------------------
deps:
	@scripts/deps

clean:
	rm -rf $(B) hlrun guests/bin tests/guests/bin

.PHONY: FORCE all guests tests check check-docs check-runner check-unit check-kvm check-kvm-host check-kvm-vm check-san \
	check-sdk check-mutants mutants coverage lint-man demo install uninstall deps clean

-include $(shell find $(B) -path build/mutants -prune -o -name '*.d' -print 2>/dev/null)
