# hlrun: run a function of an untrusted guest ELF in a KVM micro-VM.
#
#   make            hlrun, the guest SDK library and the sample guests
#   make deps       install what building and testing need (Debian 12, apt-get)
#   make check      unit tests on the host, then the KVM suite in one test-VM boot
#   make demo       run a sample guest function (through tests/vm without /dev/kvm)
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

LIBS      := $(shell $(PKG_CONFIG) --libs libelf yaml-0.1 2>/dev/null)
LIBCFLAGS := $(shell $(PKG_CONFIG) --cflags libelf yaml-0.1 2>/dev/null)
CRIT_LIBS := $(shell $(PKG_CONFIG) --libs criterion 2>/dev/null)
CRIT_CFLAGS := $(shell $(PKG_CONFIG) --cflags criterion 2>/dev/null)

B := build

# ---- host program --------------------------------------------------------------------
MODULES   := common kvm
LIB_SRCS  := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/host/%.o)
HLRUN_OBJS := $(B)/host/hlrun.o $(LIB_OBJS)

all: hlrun

hlrun: $(HLRUN_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(LIBCFLAGS) $(CFLAGS) -c -o $@ $<

# ---- tests -----------------------------------------------------------------------------
# tests/unit/test_NAME.c and tests/kvm/test_NAME.c each become one Criterion binary linked
# against all host modules (not hlrun.c).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
KVM_SRCS  := $(wildcard tests/kvm/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
KVM_BINS  := $(KVM_SRCS:%.c=$(B)/%)
TEST_BINS := $(UNIT_BINS) $(KVM_BINS)

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(LIBCFLAGS) $(CRIT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(TEST_BINS): $(B)/tests/%: $(B)/tests/%.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(CRIT_LIBS)

tests: $(TEST_BINS)

check: check-unit check-kvm

check-unit: all $(UNIT_BINS)
	tests/run-suite $(UNIT_BINS)

# One VM boot runs every KVM test binary.
check-kvm: all $(KVM_BINS)
	tests/vm/run tests/run-suite $(KVM_BINS)

# ---- setup and housekeeping --------------------------------------------------------------
deps:
	@scripts/deps

clean:
	rm -rf $(B) hlrun

.PHONY: all tests check check-unit check-kvm deps clean

-include $(shell find $(B) -name '*.d' 2>/dev/null)
