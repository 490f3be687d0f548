/* The guest's minimal C library: string functions, the snprintf family and a heap.
 * Freestanding (guests/libc); no locale, no files, no errno. */
#ifndef HLGUEST_LIBC_H
#define HLGUEST_LIBC_H

#include <stdarg.h>
#include <stddef.h>

/* ---- Memory and strings: C semantics; bytes compare as unsigned char ------------------ */

/* Copies n bytes; the ranges must not overlap.  Returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

/* Copies n bytes; the ranges may overlap.  Returns dst. */
void *memmove(void *dst, const void *src, size_t n);

/* Fills n bytes with (unsigned char)c.  Returns dst. */
void *memset(void *dst, int c, size_t n);

/* Compares n bytes: <0, 0 or >0 as a is below, equal to or above b. */
int memcmp(const void *a, const void *b, size_t n);

/* The first of n bytes equal to (unsigned char)c, or NULL. */
void *memchr(const void *s, int c, size_t n);

/* The number of bytes before the terminating NUL. */
size_t strlen(const char *s);

/* strlen(s), but reads at most max bytes and returns at most max. */
size_t strnlen(const char *s, size_t max);

/* Compares two strings: <0, 0 or >0. */
int strcmp(const char *a, const char *b);

/* Compares at most n bytes of two strings: <0, 0 or >0; 0 when n is 0. */
int strncmp(const char *a, const char *b, size_t n);

/* The first (char)c in s, the terminator included when c is 0, or NULL. */
char *strchr(const char *s, int c);

/* The last (char)c in s, the terminator included when c is 0, or NULL. */
char *strrchr(const char *s, int c);

/* Copies src into dst[size], truncating, NUL-terminated whenever size > 0.  Returns
 * strlen(src): truncation happened when the result is >= size. */
size_t hl_strlcpy(char *dst, const char *src, size_t size);

/* ---- Formatting ------------------------------------------------------------------------
 * C99 snprintf: %d %i %u %x %X %o %c %s %p %% %f %F %e %E %g %G with the flags - 0 space
 * + #, width and precision (also '*'), and the lengths hh h l ll z t j.  %s of NULL prints
 * "(null)", %p of NULL "(nil)"; an unknown conversion is printed as written.  Doubles are
 * converted exactly, ties rounded to even. */

/* Writes at most size bytes to buf (NULL allowed when size is 0), always NUL-terminated
 * when size > 0.  Returns the length the whole output has (truncated when >= size), or
 * -1 if that exceeds INT_MAX. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* vsnprintf() with the arguments given directly. */
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- Heap: one arena, first fit, neighbours coalesced, 16-byte alignment --------------- */

/* Bookkeeping bytes in front of each block: a heap of N free bytes holds one block of at
 * most N - HL_HEAP_BLOCK_OVERHEAD bytes. */
#define HL_HEAP_BLOCK_OVERHEAD 16

/* Makes [base, base + size) the heap, forgetting any previous one.  The caller owns the
 * memory and must keep it for as long as blocks are in use. */
void hl_heap_init(void *base, size_t size);

/* A block of n bytes aligned to 16 (a minimal block when n is 0), or NULL when no free
 * space is large enough.  Release it with free(). */
void *malloc(size_t n);

/* Returns a block from malloc(), calloc() or realloc() to the heap; NULL is ignored.
 * A double free or a damaged block header calls hl_libc_panic(). */
void free(void *p);

/* A zeroed block of n * m bytes, or NULL when that product overflows or does not fit. */
void *calloc(size_t n, size_t m);

/* Resizes block p (malloc(n) when p is NULL), keeping its first min(old, n) bytes; may
 * move it.  Returns the block, or NULL when it cannot grow, leaving p valid. */
void *realloc(void *p, size_t n);

/* Bytes the free blocks span, headers included: the usable heap size once every block
 * is freed. */
size_t hl_heap_free_bytes(void);

/* Reports a fatal heap misuse (double free, corrupt header) and never returns.  Provided
 * by the guest runtime, not by this library. */
__attribute__((noreturn)) void hl_libc_panic(const char *msg);

#endif
