/* Guest libc: memory and string functions. */
#include <stdint.h>

#include "hlguest_libc.h"

/* Compilers turn copy and fill loops into calls to memcpy, memmove and memset; inside
 * those very functions that would be infinite recursion.  clang is told with no_builtin,
 * GCC, which lacks that attribute, by turning off the optimisation. */
#ifdef __has_attribute
#if __has_attribute(no_builtin)
#define NO_LIBCALLS __attribute__((no_builtin))
#endif
#endif
#ifndef NO_LIBCALLS
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

/* Word-sized accesses to buffers of any type; may_alias keeps them legal C. */
typedef uint64_t __attribute__((may_alias)) word_t;

#define WORD sizeof(word_t)

/* The result's type is char *, as C wants, for a pointer into a caller's const string. */
static char *unconst(const char *p)
{
	return (char *)(uintptr_t)p;
}

/* Copies upwards, so it also serves memmove() when dst lies below src: without restrict,
 * the compiler must keep that order. */
NO_LIBCALLS static void copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
	/* Whole words only when both sides can become aligned together. */
	if (((uintptr_t)d - (uintptr_t)s) % WORD == 0) {
		for (; n > 0 && (uintptr_t)d % WORD != 0; n--)
			*d++ = *s++;
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)(void *)d = *(const word_t *)(const void *)s;
	}
	for (; n > 0; n--)
		*d++ = *s++;
}

NO_LIBCALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_up(dst, src, n);
	return dst;
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_up(d, s, n); /* dst is below src, or they do not overlap */
		return dst;
	}
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

NO_LIBCALLS void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t w = (unsigned char)c * 0x0101010101010101ull;

	for (; n > 0 && (uintptr_t)d % WORD != 0; n--)
		*d++ = (unsigned char)c;
	for (; n >= WORD; n -= WORD, d += WORD)
		*(word_t *)(void *)d = w;
	for (; n > 0; n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(uintptr_t)(p + i);
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y)
			return x - y;
		if (x == '\0')
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return unconst(s);
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return unconst(last);
	}
}

size_t hl_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
