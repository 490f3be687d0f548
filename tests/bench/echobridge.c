/* echobridge: the benchmark's host process (hlrun-manifest(5), HOST PROCESS), a function
 * of one string that answers its argument: each request line
 *     {"id":N,"function":NAME,"args":[S]}
 * is answered with {"id":N,"result":S}, S copied as hlrun wrote it (a JSON string stays
 * one), so that what the bridge rows measure is hlrun and the pipes, not this program.
 * It parses only that format, which is hlrun's own.
 *
 *   usage: echobridge        (hlrun starts it; it ends at the end of its input, status 0)
 * A line in another format, or a failed write, exits 1 with a message. */
#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "{\"id\":"
#define NAME ",\"function\":\""
#define ARGS "\",\"args\":["
#define TAIL "]}"
/* The length of a string literal. */
#define LEN(s) (sizeof s - 1)

/* Answers one request line of len bytes (NUL-terminated after its newline, which len
 * leaves out); false if it is not one. */
static bool answer(const char *line, size_t len)
{
	const char *id, *p, *arg;
	size_t id_len, arg_len;

	if (strncmp(line, HEAD, LEN(HEAD)) != 0)
		return false;
	id = line + LEN(HEAD);
	id_len = strspn(id, "0123456789");
	if (id_len == 0 || strncmp(id + id_len, NAME, LEN(NAME)) != 0)
		return false;
	p = strstr(id + id_len + LEN(NAME), ARGS);
	if (p == NULL)
		return false;
	arg = p + LEN(ARGS);
	if (line + len < arg + 2 + LEN(TAIL) ||
	    memcmp(line + len - LEN(TAIL), TAIL, LEN(TAIL)) != 0)
		return false;
	arg_len = (size_t)(line + len - LEN(TAIL) - arg);
	if (arg[0] != '"' || arg[arg_len - 1] != '"')
		return false;
	printf("{\"id\":%.*s,\"result\":%.*s}\n", (int)id_len, id, (int)arg_len, arg);
	/* One write per answer: hlrun waits for it before it sends the next call. */
	return fflush(stdout) == 0;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		size_t len = (size_t)n - (line[n - 1] == '\n');

		if (!answer(line, len)) {
			if (ferror(stdout))
				err(1, "stdout");
			errx(1, "not a request of one string: '%.*s'",
			     (int)(len > 200 ? 200 : len), line);
		}
	}
	if (ferror(stdin))
		err(1, "stdin");
	free(line);
	return 0;
}
