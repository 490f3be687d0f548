/* libFuzzer target: batch mode's input lines (cli_batch_parse, with its JSON reader) and
 * answer lines.  An input is one line, parsed against the sample guest's exports; every
 * answer, to a good line or a bad one, must be one line of valid JSON. */
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "tests/fuzz/fuzz.h"

#define GUEST_ELF "guests/bin/simpleguest.elf"
#define LIMIT (1u << 16)

static const struct ldr_guest *guest(void)
{
	static struct ldr_guest *g;
	struct hl_diag d = { 0 };

	if (g == NULL && ldr_open(GUEST_ELF, &g, &d) != HL_OK) {
		fprintf(stderr, "fuzz_batch needs %s (run make first): %s\n", GUEST_ELF, d.msg);
		abort();
	}
	return g;
}

/* The answer must be exactly one line of valid JSON. */
static void check_answer(char *text, size_t len)
{
	struct hl_diag d = { 0 };

	CHECK(len >= 2 && text[len - 1] == '\n');
	CHECK(memchr(text, '\n', len - 1) == NULL);
	CHECK(json_check(text, len - 1, &d) == HL_OK);
}

static void answer(const struct cli_batch_call *c, enum hl_err err, const char *msg,
		   const uint8_t *data, size_t size)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const struct cli_printed printed = { .call = (const char *)data, .ncall = size,
					     .init = (const char *)data, .ninit = size / 2 };

	CHECK(f != NULL);
	if (err == HL_OK) {
		/* A result of the declared type, with the input's bytes as its data. */
		struct hl_value v = c->e->nparams > 0 ? c->args[0] :
				    (struct hl_value){ .type = HL_T_VOID };

		v.type = c->e->ret;
		if (v.type == HL_T_STRING || v.type == HL_T_BYTES) {
			v.data = data;
			v.len = (uint32_t)size;
		}
		cli_batch_print_result(f, c, &v, &printed);
	} else {
		CHECK(strlen(msg) < HL_DIAG_MSG);
		for (const char *p = msg; *p != '\0'; p++)
			CHECK((unsigned char)*p >= 0x20);
		cli_batch_print_error(f, c, err, msg, &printed);
	}
	CHECK(fclose(f) == 0);
	check_answer(text, len);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_batch_call c = { 0 };
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	enum hl_err err = cli_batch_parse((const char *)data, size, guest(), LIMIT, &c, &m, &d);

	CHECK(err == HL_OK || err == HL_E_USAGE);
	CHECK(err != HL_OK || c.e != NULL);
	CHECK(memchr(c.id, '\0', sizeof c.id) != NULL);
	answer(&c, err, d.msg, data, size);
	cli_argmem_free(&m);
	return 0;
}
