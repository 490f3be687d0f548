/* What the unit tests of the guest libc (tests/unit/test_libc*.c) share.  Each of them
 * links guests/libc built for the host with every symbol prefixed hlt_ (see
 * guests/libc/libc.mk), so that it can be compared with glibc: here are the prototypes
 * under those names, and the panic hook the library calls. */
#ifndef TESTS_UNIT_TEST_LIBC_H
#define TESTS_UNIT_TEST_LIBC_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *hlt_memcpy(void *dst, const void *src, size_t n);
void *hlt_memmove(void *dst, const void *src, size_t n);
void *hlt_memset(void *dst, int c, size_t n);
int hlt_memcmp(const void *a, const void *b, size_t n);
void *hlt_memchr(const void *s, int c, size_t n);
size_t hlt_strlen(const char *s);
size_t hlt_strnlen(const char *s, size_t max);
int hlt_strcmp(const char *a, const char *b);
int hlt_strncmp(const char *a, const char *b, size_t n);
char *hlt_strchr(const char *s, int c);
char *hlt_strrchr(const char *s, int c);
size_t hlt_hl_strlcpy(char *dst, const char *src, size_t size);
int hlt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hlt_snprintf(char *buf, size_t size, const char *fmt, ...);
void hlt_hl_heap_init(void *base, size_t size);
void *hlt_malloc(size_t n);
void hlt_free(void *p);
void *hlt_calloc(size_t n, size_t m);
void *hlt_realloc(void *p, size_t n);
size_t hlt_hl_heap_free_bytes(void);
_Noreturn void hlt_hl_libc_panic(const char *msg);

/* The panic message a test expects: the right one aborts (SIGABRT), any other exits 3.
 * The library needs the hook in every binary that links it; each test_libc* binary is
 * one source file including this header once, so the one definition is here. */
static const char *expected_panic = "";

void hlt_hl_libc_panic(const char *msg)
{
	if (strcmp(msg, expected_panic) != 0)
		exit(3);
	abort();
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Criterion may run a test in a new exec of this program, where the parameters arrive as
 * copied bytes but addresses differ: so a parameter is an index into a file-scope table,
 * never a struct holding pointers. */
static inline struct criterion_test_params index_params(size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n);
}

#endif
