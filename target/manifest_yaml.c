/* The manifest's YAML layer: libyaml events with the constructs a manifest never needs
 * (aliases, anchors, tags) refused, positioned messages, and did-you-mean. */
#include "target/manifest_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum hl_err mf_fail_at(struct mf_parser *p, yaml_mark_t mark, const char *fmt, ...)
{
	char what[HL_DIAG_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return hl_fail(p->d, HL_E_INVALID, "%s:%zu:%zu: %s", p->path, mark.line + 1,
		       mark.column + 1, what);
}

enum hl_err mf_nomem(struct mf_parser *p)
{
	return hl_fail(p->d, HL_E_INTERNAL, "%s: out of memory", p->path);
}

yaml_mark_t mf_mark_at(const struct mf_parser *p, size_t off)
{
	yaml_mark_t mark = { .index = off };

	/* Columns count characters, as libyaml's do: UTF-8 continuation bytes are skipped. */
	for (size_t i = 0; i < off && i < p->len; i++) {
		unsigned char c = (unsigned char)p->buf[i];

		if (c == '\n') {
			mark.line++;
			mark.column = 0;
		} else if ((c & 0xC0) != 0x80) {
			mark.column++;
		}
	}
	return mark;
}

/* Records libyaml's error: its problem at its position, and the context it was in. */
static enum hl_err yaml_error(struct mf_parser *p)
{
	const yaml_parser_t *yp = &p->yp;

	if (yp->error == YAML_MEMORY_ERROR)
		return mf_nomem(p);
	p->not_yaml = true;
	if (yp->error == YAML_READER_ERROR)
		return mf_fail_at(p, mf_mark_at(p, yp->problem_offset), "malformed YAML: %s",
				  yp->problem ? yp->problem : "unreadable input");
	if (yp->context != NULL)
		return mf_fail_at(p, yp->problem_mark, "malformed YAML: %s (%s at line %zu, "
				  "column %zu)", yp->problem ? yp->problem : "syntax error",
				  yp->context, yp->context_mark.line + 1,
				  yp->context_mark.column + 1);
	return mf_fail_at(p, yp->problem_mark, "malformed YAML: %s",
			  yp->problem ? yp->problem : "syntax error");
}

/* Refuses what a manifest has no use for and what could make it expensive: an alias
 * repeats a node (expansion bombs), so neither aliases nor anchors exist here. */
static enum hl_err check_event(struct mf_parser *p)
{
	const yaml_event_t *e = &p->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;

	switch (e->type) {
	case YAML_ALIAS_EVENT:
		return mf_fail_at(p, e->start_mark, "anchors and aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		tag = e->data.scalar.tag;
		/* A "\0" escape in a quoted scalar would cut the string short. */
		if (strlen(mf_scalar(p)) != e->data.scalar.length)
			return mf_fail_at(p, e->start_mark, "NUL character in a value");
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return mf_fail_at(p, e->start_mark, "anchors and aliases are not allowed");
	if (tag != NULL)
		return mf_fail_at(p, e->start_mark, "tags are not allowed ('%s')",
				  (const char *)tag);
	return HL_OK;
}

enum hl_err mf_next(struct mf_parser *p)
{
	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = false;
	if (!yaml_parser_parse(&p->yp, &p->ev))
		return yaml_error(p);
	p->have_ev = true;
	return check_event(p);
}

const char *mf_scalar(const struct mf_parser *p)
{
	return (const char *)p->ev.data.scalar.value;
}

const char *mf_describe(const struct mf_parser *p)
{
	switch (p->ev.type) {
	case YAML_SCALAR_EVENT:
		return p->ev.data.scalar.length == 0 ? "an empty value" : "a scalar";
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "nothing";
	}
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

#define MF_MAX_NAME 32 /* longest name that mf_suggest() compares */

/* Edit distance with adjacent transpositions (optimal string alignment) of two words of
 * at most MF_MAX_NAME bytes. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t rows[3][MF_MAX_NAME + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb];
}

/* Of the n names, the one closest to word within edit distance 2, or NULL. */
static const char *suggest(const char *word, const char *const *names, size_t n)
{
	size_t nw = strlen(word), best_d = 3;
	const char *best = NULL;

	if (nw > MF_MAX_NAME)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t nn = strlen(names[i]), dist;

		if (nn > MF_MAX_NAME || nn + 2 < nw || nw + 2 < nn)
			continue;
		dist = distance(word, nw, names[i], nn);
		if (dist < best_d) {
			best_d = dist;
			best = names[i];
		}
	}
	return best;
}

enum hl_err mf_unknown(struct mf_parser *p, yaml_mark_t mark, const char *what,
		       const char *where, const char *word, const char *const *names, size_t n)
{
	const char *best = suggest(word, names, n);
	char known[HL_DIAG_MSG] = "";
	size_t pos = 0;

	if (best != NULL)
		return mf_fail_at(p, mark, "unknown %s '%s'%s (did you mean '%s'?)", what, word,
				  where, best);
	for (size_t i = 0; i < n && pos < sizeof known; i++) {
		int w = snprintf(known + pos, sizeof known - pos, "%s%s", i > 0 ? ", " : "",
				 names[i]);

		if (w < 0)
			break;
		pos += (size_t)w;
	}
	return mf_fail_at(p, mark, "unknown %s '%s'%s (known %ss: %s)", what, word, where, what,
			  known);
}
