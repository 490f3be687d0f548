# The guest C library: its sources, and the object its host unit tests link.
# Included by the top-level Makefile (after B, CC, CSTD, OPT and WARN are set).

GUEST_LIBC_SRCS := guests/libc/string.c guests/libc/format.c guests/libc/format_float.c \
	guests/libc/malloc.c

# On the host the library is still compiled freestanding, then every symbol in it gets
# the prefix hlt_, so that its memcpy, malloc and snprintf link beside glibc's and the
# test can compare the two.
OBJCOPY ?= objcopy
LIBC_HOST_CFLAGS := $(CSTD) $(OPT) $(WARN) -ffreestanding -fno-builtin -fno-stack-protector \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) -Iguests/include -MMD -MP
LIBC_HOST_OBJS := $(GUEST_LIBC_SRCS:guests/libc/%.c=$(B)/tests/unit/libc/%.o)

$(LIBC_HOST_OBJS): $(B)/tests/unit/libc/%.o: guests/libc/%.c
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(LIBC_HOST_CFLAGS) -c -o $@ $<

$(B)/tests/unit/libc_test.o: $(LIBC_HOST_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) -r -nostdlib -o $(B)/tests/unit/libc/libc_all.o $^
	$(Q)$(OBJCOPY) --prefix-symbols=hlt_ $(B)/tests/unit/libc/libc_all.o $@

# Every unit test binary of the library (tests/unit/test_libc*.c) links it.
$(patsubst %.c,$(B)/%,$(wildcard tests/unit/test_libc*.c)): $(B)/tests/unit/libc_test.o
