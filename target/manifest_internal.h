/* State shared by the files of the manifest parser. */
#ifndef TARGET_MANIFEST_INTERNAL_H
#define TARGET_MANIFEST_INTERNAL_H

#include <yaml.h>

#include "target/manifest.h"

/* One parse: the libyaml event parser, its current event, and the result being built. */
struct mf_parser {
	yaml_parser_t yp;
	yaml_event_t ev;        /* the current event, valid after mf_next() returned HL_OK */
	bool have_ev;
	const char *buf;        /* the input, for positions of reader errors */
	size_t len;
	const char *path;       /* the manifest's name in messages */
	struct mf_manifest *m;
	struct hl_diag *d;
	bool not_yaml;          /* the failure: the input is no YAML mapping at all */
};

/* Replaces p->ev with the next event.  Refuses malformed YAML, aliases, anchors, tags and
 * NUL characters in scalars.  Errors: HL_E_INVALID, HL_E_INTERNAL. */
enum hl_err mf_next(struct mf_parser *p);

/* Records HL_E_INVALID with "PATH:LINE:COLUMN: " and the formatted text; returns it. */
enum hl_err mf_fail_at(struct mf_parser *p, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The libyaml-style mark (0-based line and column) of byte offset off of p->buf. */
yaml_mark_t mf_mark_at(const struct mf_parser *p, size_t off);

/* Records HL_E_INTERNAL for an allocation that failed; returns it. */
enum hl_err mf_nomem(struct mf_parser *p);

/* The event kind of p->ev as a noun for messages: "a mapping", "a sequence", "a scalar",
 * "an empty value". */
const char *mf_describe(const struct mf_parser *p);

/* The text of the scalar event p->ev (NUL-terminated, libyaml's). */
const char *mf_scalar(const struct mf_parser *p);

/* Records HL_E_INVALID at mark for an unknown word, e.g. "unknown key 'hep' in memory
 * (did you mean 'heap'?)": what names the kind ("key"), where ends the first part (" in
 * memory" or ""), and the n names in names are the known ones: the closest within edit
 * distance 2 is suggested, else all are listed.  Returns HL_E_INVALID. */
enum hl_err mf_unknown(struct mf_parser *p, yaml_mark_t mark, const char *what,
		       const char *where, const char *word, const char *const *names, size_t n);

/* Parses the top-level mapping, whose MAPPING-START is p->ev, into p->m; checks that the
 * required keys are present.  Errors: HL_E_INVALID, HL_E_INTERNAL. */
enum hl_err mf_parse_top(struct mf_parser *p);

/* host_process.command (full names it in messages): a sequence of at most MF_MAX_WORDS
 * scalars, the first not empty, into p->m->command.  Errors: HL_E_INVALID,
 * HL_E_INTERNAL. */
enum hl_err mf_parse_command(struct mf_parser *p, const char *full);

/* host_process.functions: a mapping of at least one and at most SBX_MAX_EXTERNS names,
 * none of hlrun's own host functions, each to {params: [TYPE...], returns: TYPE} (both
 * optional: none, void) into p->m->functions.  Errors: HL_E_INVALID, HL_E_INTERNAL. */
enum hl_err mf_parse_functions(struct mf_parser *p, const char *full);

/* A new string: path as written when absolute, else joined to the directory part of the
 * manifest's path (see manifest.h).  NULL when out of memory. */
char *mf_join(const char *manifest, const char *path);

#endif
