/* mapsum: benchguest's SumMapped run natively, the floor of the "mapped file" rows, and
 * the maker of the file they sum.
 *
 *   usage: mapsum FILE           mmaps FILE read-only and prints bench_sum_words() of
 *                                it, as `hlrun --map data=FILE benchguest.elf SumMapped
 *                                data` prints it
 *          mapsum -n FILE        mmaps FILE the same way and prints its size, touching
 *                                none of its pages, as MappedSize does in the guest: the
 *                                same process but for the summing and the page faults
 *          mapsum -c FILE BYTES  creates FILE (which must not exist) with BYTES bytes of
 *                                xorshift64 words: the same for every run, written out
 *                                (no hole, no page of zeros) */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/guests/benchguest/sum.h"

#define CHUNK (1u << 20)

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		errx(2, "BYTES must be a number (got '%s')", s);
	return v;
}

/* Mirrors the read side: the file's bytes are these words in little-endian order. */
static void create(const char *path, uint64_t size)
{
	static unsigned char buf[CHUNK];
	uint64_t x = 0x9e3779b97f4a7c15ull, left = size;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		err(1, "%s", path);
	while (left > 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		for (size_t i = 0; i < n; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			for (unsigned k = 0; k < 8 && i + k < n; k++)
				buf[i + k] = (unsigned char)(x >> (8 * k));
		}
		for (size_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				err(1, "%s: write", path);
			off += (size_t)w;
		}
		left -= n;
	}
	if (close(fd) != 0)
		err(1, "%s", path);
}

/* The sum of the file at path, or with touch false its size. */
static uint64_t sum_file(const char *path, int touch)
{
	struct stat st;
	const unsigned char *p;
	uint64_t sum;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		err(1, "%s", path);
	if (fstat(fd, &st) != 0)
		err(1, "%s", path);
	if (!S_ISREG(st.st_mode))
		errx(1, "%s: not a regular file", path);
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	/* As hlrun maps it: private, read-only, no MAP_POPULATE; pages come in as touched. */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		err(1, "%s: mmap", path);
	close(fd);
	sum = (uint64_t)st.st_size;
	if (touch)
		sum = bench_sum_words(p, sum);
	munmap((void *)(uintptr_t)p, (size_t)st.st_size);
	return sum;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "-c") == 0) {
		create(argv[2], parse_size(argv[3]));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		printf("%" PRIu64 "\n", sum_file(argv[2], 0));
	else if (argc == 2 && argv[1][0] != '-')
		printf("%" PRIu64 "\n", sum_file(argv[1], 1));
	else
		errx(2, "usage: mapsum [-n] FILE | mapsum -c FILE BYTES");
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
