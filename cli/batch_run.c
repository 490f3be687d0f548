/* Batch mode's loop: one sandbox answers each line of input with one line of output,
 * restored to its state after init between calls. */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* How a line came in: whole, or consumed to its end without being kept. */
enum line { LINE_WHOLE, LINE_TOO_LONG, LINE_NO_MEMORY };

struct batch {
	struct sbx *s;
	const struct ldr_guest *g;
	FILE *out;
	const struct cli_batch_opts *o;
	char *line;            /* the current line, without its newline */
	size_t len, cap, max;
	unsigned long lineno;
	unsigned long failed;  /* lines answered with an error */
	enum hl_err first;     /* the class of the first of them */
	char first_msg[HL_DIAG_MSG];
	unsigned long first_line;
	bool answered;         /* an answer went out: the initialisation's output with it */
};

/* Reads one line of at most b->max bytes into b->line, which grows as needed.  Returns
 * false at the end of input.  A longer line, or one the buffer cannot grow for, is
 * consumed to its end and reported through *how. */
static bool read_line(struct batch *b, FILE *in, enum line *how)
{
	int c;

	b->len = 0;
	*how = LINE_WHOLE;
	while ((c = getc_unlocked(in)) != EOF && c != '\n') {
		if (*how != LINE_WHOLE)
			continue;
		if (b->len == b->max) {
			*how = LINE_TOO_LONG;
			continue;
		}
		if (b->len + 1 >= b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *grown = realloc(b->line, cap);

			if (grown == NULL) {
				*how = LINE_NO_MEMORY;
				continue;
			}
			b->line = grown;
			b->cap = cap;
		}
		b->line[b->len++] = (char)c;
	}
	if (b->len > 0 && b->line[b->len - 1] == '\r')
		b->len--;
	return c != EOF || b->len > 0 || *how != LINE_WHOLE;
}

/* What the answer about to go out carries: the guest's output during the call, from the
 * capture stream (when there is a call), and the initialisation's with the first. */
static struct cli_printed printed(struct batch *b, bool call)
{
	struct cli_printed p = { 0 };

	if (call) {
		fflush(b->o->capture);
		p.call = *b->o->captured;
		p.ncall = *b->o->ncaptured;
	}
	if (!b->answered) {
		p.init = b->o->init_output;
		p.ninit = b->o->ninit_output;
		b->answered = true;
	}
	return p;
}

static void forget_captured(const struct batch *b)
{
	rewind(b->o->capture);
	fflush(b->o->capture);
}

static void note_failure(struct batch *b, enum hl_err err, const char *msg)
{
	if (b->failed++ == 0) {
		b->first = err;
		b->first_line = b->lineno;
		snprintf(b->first_msg, sizeof b->first_msg, "%s", msg);
	}
}

/* Runs one parsed call and answers it.  A crash or timeout poisons the sandbox, and any
 * call but one that keeps state is followed by a restore; a restore that fails ends the
 * batch (HL_E_INTERNAL in d). */
static enum hl_err run_call(struct batch *b, const struct cli_batch_call *c,
			    struct hl_diag *d)
{
	struct hl_diag cd = { 0 };
	struct hl_value v;
	struct cli_printed p;
	uint64_t t0 = sbx_now_ns(), t1, t2, pages = 0;
	enum hl_err err;

	sbx_reset_output(b->s);
	err = sbx_call(b->s, c->e, c->args, c->e->nparams, &v, &cd);
	t1 = sbx_now_ns();
	p = printed(b, true);
	if (err == HL_OK) {
		cli_batch_print_result(b->out, c, &v, &p);
	} else {
		cli_batch_print_error(b->out, c, err, cd.msg, &p);
		note_failure(b, err, cd.msg);
	}
	forget_captured(b);
	/* A signal stopped the call: it is answered, and the batch ends here. */
	if (err == HL_E_INTERRUPTED || err == HL_E_TERMINATED)
		return hl_fail(d, err, "line %lu: %s", b->lineno, cd.msg);
	if (!b->o->keep_state || sbx_poisoned(b->s)) {
		err = sbx_restore(b->s, &pages, d);
		if (err != HL_OK)
			return hl_prefix(d, "line %lu: cannot restore the sandbox", b->lineno);
	}
	t2 = sbx_now_ns();
	if (b->o->stats)
		fprintf(stderr, "hlrun: stats: call %lu: run %.3f ms, restore %.3f ms, %llu "
			"pages\n", b->lineno, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6,
			(unsigned long long)pages);
	return HL_OK;
}

static enum hl_err one_line(struct batch *b, enum line how, struct hl_diag *d)
{
	struct cli_batch_call c = { 0 };
	struct cli_argmem m = { 0 };
	struct hl_diag pd = { 0 };
	enum hl_err err;

	if (how == LINE_TOO_LONG)
		err = hl_fail(&pd, HL_E_USAGE, "the line is longer than %zu bytes", b->max);
	else if (how == LINE_NO_MEMORY)
		err = hl_fail(&pd, HL_E_INTERNAL, "out of memory after %zu bytes of the line",
			      b->len);
	else
		err = cli_batch_parse(b->line, b->len, b->g, b->o->limit, &c, &m, &pd);
	if (err != HL_OK) {
		struct cli_printed p = printed(b, false);

		cli_batch_print_error(b->out, &c, err, pd.msg, &p);
		note_failure(b, err, pd.msg);
		err = HL_OK;
	} else {
		err = run_call(b, &c, d);
	}
	cli_argmem_free(&m);
	return err;
}

/* A line may hold an argument of up to limit bytes in base64 or JSON escapes. */
static size_t max_line(uint64_t limit)
{
	uint64_t max = limit * 8 + 65536;

	return max > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)max;
}

enum hl_err cli_batch_run(struct sbx *s, const struct ldr_guest *g, FILE *in, FILE *out,
			  const struct cli_batch_opts *o, struct hl_diag *d)
{
	struct batch b = { .s = s, .g = g, .out = out, .o = o, .max = max_line(o->limit) };
	enum hl_err err = HL_OK;
	enum line how;

	while (err == HL_OK && sbx_interrupted() == 0 && read_line(&b, in, &how)) {
		b.lineno++;
		if (b.len == 0 && how == LINE_WHOLE)
			continue;
		err = one_line(&b, how, d);
	}
	free(b.line);
	if (o->answered != NULL)
		*o->answered = b.answered;
	/* A signal while the batch waited for input, or read it. */
	if (err == HL_OK && sbx_interrupted() != 0)
		err = hl_fail(d, sbx_interrupt_class(sbx_interrupted()), "%s while waiting for "
			      "line %lu", sbx_interrupt_words(sbx_interrupted()), b.lineno + 1);
	if (err == HL_OK && ferror(in))
		err = hl_fail(d, HL_E_INTERNAL, "standard input: %s", strerror(errno));
	if (err != HL_OK)
		return err;
	if (b.failed == 0)
		return HL_OK;
	return hl_fail(d, b.first, "%lu of the batch's lines failed; the first, line %lu: %s",
		       b.failed, b.first_line, b.first_msg);
}
