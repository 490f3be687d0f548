/* The manifest's keys: one table per mapping, each key with the parser of its value. */
#include "target/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "core/core.h"

struct key;

/* Parses the value of key k, whose first event is p->ev, through its last event. */
typedef enum hl_err (*key_fn)(struct mf_parser *p, const struct key *k);

struct section;

struct key {
	const char *name;
	const char *full;              /* the name in messages: "memory.heap" */
	key_fn parse;
	size_t field;                  /* offsetof the uint64_t of a size or duration */
	uint64_t min, max;             /* bounds of a size or duration */
	const struct section *section; /* the keys of a mapping value */
};

#define MF_MAX_KEYS 12

struct section {
	const char *where;             /* in messages: " in memory" */
	const struct key *keys;
	size_t nkeys;                  /* at most MF_MAX_KEYS */
};

static uint64_t *u64_field(struct mf_parser *p, const struct key *k)
{
	return (uint64_t *)(void *)((char *)p->m + k->field);
}

/* Fails unless the value is a scalar. */
static enum hl_err want_scalar(struct mf_parser *p, const struct key *k)
{
	if (p->ev.type != YAML_SCALAR_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a scalar, not %s", k->full,
				  mf_describe(p));
	return HL_OK;
}

/* A file named relative to the manifest, and where its name stands. */
static enum hl_err parse_path(struct mf_parser *p, const struct key *k, char **path,
			      int *line, int *col)
{
	enum hl_err err = want_scalar(p, k);

	if (err != HL_OK)
		return err;
	if (p->ev.data.scalar.length == 0)
		return mf_fail_at(p, p->ev.start_mark, "%s is empty", k->full);
	*path = mf_join(p->path, mf_scalar(p));
	if (*path == NULL)
		return mf_nomem(p);
	*line = (int)p->ev.start_mark.line + 1;
	*col = (int)p->ev.start_mark.column + 1;
	return HL_OK;
}

static enum hl_err parse_guest(struct mf_parser *p, const struct key *k)
{
	return parse_path(p, k, &p->m->guest, &p->m->guest_line, &p->m->guest_col);
}

static enum hl_err parse_snapshot(struct mf_parser *p, const struct key *k)
{
	return parse_path(p, k, &p->m->snapshot, &p->m->snapshot_line, &p->m->snapshot_col);
}

static enum hl_err parse_core(struct mf_parser *p, const struct key *k)
{
	int line, col;

	return parse_path(p, k, &p->m->core, &line, &col);
}

static enum hl_err parse_sha256(struct mf_parser *p, const struct key *k)
{
	enum hl_err err = want_scalar(p, k);
	const char *s;
	size_t n;

	if (err != HL_OK)
		return err;
	s = mf_scalar(p);
	n = p->ev.data.scalar.length;
	if (n != 2 * sizeof p->m->sha256)
		return mf_fail_at(p, p->ev.start_mark, "sha256 must be 64 hexadecimal digits "
				  "(found %zu characters)", n);
	for (size_t i = 0; i < n; i++) {
		int v = hl_hex_digit(s[i]);

		if (v < 0)
			return mf_fail_at(p, p->ev.start_mark, "sha256 must be 64 hexadecimal "
					  "digits (character %zu is not one)", i + 1);
		p->m->sha256[i / 2] = (uint8_t)(p->m->sha256[i / 2] << 4 | v);
	}
	p->m->has_sha256 = true;
	return HL_OK;
}

/* Writes v as people write it: the largest power-of-1024 unit that divides it. */
static void format_size(char *buf, size_t cap, uint64_t v)
{
	static const char *const units[] = { "", "KiB", "MiB", "GiB" };
	size_t u = 0;

	while (u + 1 < sizeof units / sizeof units[0] && v != 0 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, cap, "%llu%s", (unsigned long long)v, units[u]);
}

static enum hl_err parse_size(struct mf_parser *p, const struct key *k)
{
	enum hl_err err = want_scalar(p, k);
	struct hl_diag sd = { 0 };
	char lo[32], hi[32];
	uint64_t v;

	if (err != HL_OK)
		return err;
	if (hl_parse_size(mf_scalar(p), &v, &sd) != HL_OK)
		return mf_fail_at(p, p->ev.start_mark, "%s: %s", k->full, sd.msg);
	if (v < k->min || v > k->max) {
		format_size(lo, sizeof lo, k->min);
		format_size(hi, sizeof hi, k->max);
		return mf_fail_at(p, p->ev.start_mark, "%s '%s' is out of range (%s to %s)",
				  k->full, mf_scalar(p), lo, hi);
	}
	*u64_field(p, k) = v;
	return HL_OK;
}

static enum hl_err parse_duration(struct mf_parser *p, const struct key *k)
{
	enum hl_err err = want_scalar(p, k);
	struct hl_diag sd = { 0 };
	uint64_t ms;

	if (err != HL_OK)
		return err;
	if (hl_parse_duration(mf_scalar(p), &ms, &sd) != HL_OK)
		return mf_fail_at(p, p->ev.start_mark, "%s: %s", k->full, sd.msg);
	if (ms < k->min || ms > k->max)
		return mf_fail_at(p, p->ev.start_mark, "%s '%s' is out of range (%llums to "
				  "%llums)", k->full, mf_scalar(p), (unsigned long long)k->min,
				  (unsigned long long)k->max);
	*u64_field(p, k) = ms;
	return HL_OK;
}

/* Parses the mapping whose MAPPING-START is p->ev, through its MAPPING-END. */
static enum hl_err parse_mapping(struct mf_parser *p, const struct section *s)
{
	const char *names[MF_MAX_KEYS];
	size_t seen[MF_MAX_KEYS] = { 0 }; /* line of each key's first occurrence */

	for (size_t i = 0; i < s->nkeys; i++)
		names[i] = s->keys[i].name;
	for (;;) {
		enum hl_err err = mf_next(p);
		const struct key *k = NULL;
		size_t i;

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return HL_OK;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return mf_fail_at(p, p->ev.start_mark, "a key must be a scalar, not %s",
					  mf_describe(p));
		for (i = 0; i < s->nkeys && k == NULL; i++)
			if (strcmp(s->keys[i].name, mf_scalar(p)) == 0)
				k = &s->keys[i];
		if (k == NULL)
			return mf_unknown(p, p->ev.start_mark, "key", s->where, mf_scalar(p),
					  names, s->nkeys);
		i = (size_t)(k - s->keys);
		if (seen[i] != 0)
			return mf_fail_at(p, p->ev.start_mark, "duplicate key '%s'%s (first on "
					  "line %zu)", k->name, s->where, seen[i]);
		seen[i] = p->ev.start_mark.line + 1;
		err = mf_next(p);
		if (err == HL_OK)
			err = k->parse(p, k);
		if (err != HL_OK)
			return err;
	}
}

static enum hl_err parse_section(struct mf_parser *p, const struct key *k)
{
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a mapping, not %s", k->full,
				  mf_describe(p));
	return parse_mapping(p, k->section);
}

/* Checks entry s of a list and makes the string to store in *out (NULL: no memory). */
typedef enum hl_err (*entry_fn)(struct mf_parser *p, const char *s, char **out);

/* The names come from the host-call server's own table (core/hostfn.c). */
static enum hl_err entry_host_function(struct mf_parser *p, const char *s, char **out)
{
	const char *names[16];
	size_t n = 0;

	if (sbx_host_function_exists(s)) {
		*out = strdup(s);
		return HL_OK;
	}
	while (n < sizeof names / sizeof names[0] && (names[n] = sbx_host_function_name(n)))
		n++;
	return mf_unknown(p, p->ev.start_mark, "host function", "", s, names, n);
}

static enum hl_err entry_env(struct mf_parser *p, const char *s, char **out)
{
	if (!hlw_is_ident((const uint8_t *)s, strlen(s)))
		return mf_fail_at(p, p->ev.start_mark, "env entry '%s' is not a variable name "
				  "([A-Za-z_][A-Za-z0-9_]*)", s);
	*out = strdup(s);
	return HL_OK;
}

static enum hl_err entry_file(struct mf_parser *p, const char *s, char **out)
{
	if (*s == '\0')
		return mf_fail_at(p, p->ev.start_mark, "files entry is empty");
	*out = mf_join(p->path, s);
	return HL_OK;
}

/* Appends entry s to the list *items of *n, after entry checks and refusing duplicates. */
static enum hl_err add_entry(struct mf_parser *p, const struct key *k, entry_fn check,
			     char ***items, size_t *n)
{
	char *s = NULL, **grown;
	enum hl_err err = check(p, mf_scalar(p), &s);

	if (err != HL_OK)
		return err;
	if (s == NULL)
		return mf_nomem(p);
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*items)[i], s) == 0) {
			free(s);
			return mf_fail_at(p, p->ev.start_mark, "duplicate entry '%s' in %s",
					  mf_scalar(p), k->full);
		}
	grown = realloc(*items, (*n + 1) * sizeof *grown);
	if (grown == NULL) {
		free(s);
		return mf_nomem(p);
	}
	grown[(*n)++] = s;
	*items = grown;
	return HL_OK;
}

/* Parses the sequence of scalars whose SEQUENCE-START is p->ev into *items. */
static enum hl_err parse_list(struct mf_parser *p, const struct key *k, entry_fn check,
			      char ***items, size_t *n)
{
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a sequence, not %s", k->full,
				  mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return HL_OK;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return mf_fail_at(p, p->ev.start_mark, "entries of %s must be scalars, "
					  "not %s", k->full, mf_describe(p));
		if (*n == MF_MAX_ENTRIES)
			return mf_fail_at(p, p->ev.start_mark, "%s has more than %d entries",
					  k->full, MF_MAX_ENTRIES);
		err = add_entry(p, k, check, items, n);
		if (err != HL_OK)
			return err;
	}
}

static enum hl_err parse_host_functions(struct mf_parser *p, const struct key *k)
{
	return parse_list(p, k, entry_host_function, &p->m->host_functions,
			  &p->m->nhost_functions);
}

static enum hl_err parse_env(struct mf_parser *p, const struct key *k)
{
	return parse_list(p, k, entry_env, &p->m->env, &p->m->nenv);
}

static enum hl_err parse_files(struct mf_parser *p, const struct key *k)
{
	return parse_list(p, k, entry_file, &p->m->files, &p->m->nfiles);
}

/* map: NAME: PATH, each name once; paths relative to the manifest. */
static enum hl_err parse_map(struct mf_parser *p, const struct key *k)
{
	struct mf_manifest *m = p->m;

	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a mapping of names to files, "
				  "not %s", k->full, mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);
		struct sbx_map *e = &m->maps[m->nmaps];
		const char *name;

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return HL_OK;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return mf_fail_at(p, p->ev.start_mark, "a name in %s must be a scalar, not "
					  "%s", k->full, mf_describe(p));
		name = mf_scalar(p);
		if (!sbx_map_name_ok(name, p->ev.data.scalar.length))
			return mf_fail_at(p, p->ev.start_mark, "%s name '%s' is not an identifier "
					  "of at most %d characters ([A-Za-z_][A-Za-z0-9_]*)",
					  k->full, name, HL_MAP_NAME_MAX - 1);
		if (sbx_map_find(m->maps, m->nmaps, name) >= 0)
			return mf_fail_at(p, p->ev.start_mark, "duplicate name '%s' in %s", name,
					  k->full);
		if (m->nmaps == HL_MAX_MAPS)
			return mf_fail_at(p, p->ev.start_mark, "%s has more than %d files",
					  k->full, HL_MAX_MAPS);
		memcpy(e->name, name, p->ev.data.scalar.length + 1);
		err = mf_next(p);
		if (err == HL_OK && (p->ev.type != YAML_SCALAR_EVENT ||
				     p->ev.data.scalar.length == 0))
			err = mf_fail_at(p, p->ev.start_mark, "%s.%s must name a file, not %s",
					 k->full, e->name, p->ev.type == YAML_SCALAR_EVENT ?
					 "an empty string" : mf_describe(p));
		if (err != HL_OK)
			return err;
		m->map_paths[m->nmaps] = mf_join(p->path, mf_scalar(p));
		if (m->map_paths[m->nmaps] == NULL)
			return mf_nomem(p);
		e->path = m->map_paths[m->nmaps++];
	}
}

static enum hl_err parse_command(struct mf_parser *p, const struct key *k)
{
	return mf_parse_command(p, k->full);
}

static enum hl_err parse_functions(struct mf_parser *p, const struct key *k)
{
	return mf_parse_functions(p, k->full);
}

/* host_process: a mapping, and where it stands for the messages that find it wanting. */
static enum hl_err parse_process(struct mf_parser *p, const struct key *k)
{
	p->m->process_line = (int)p->ev.start_mark.line + 1;
	p->m->process_col = (int)p->ev.start_mark.column + 1;
	return parse_section(p, k);
}

static enum hl_err parse_print_to(struct mf_parser *p, const struct key *k)
{
	enum hl_err err = want_scalar(p, k);
	const char *s;

	if (err != HL_OK)
		return err;
	s = mf_scalar(p);
	if (strcmp(s, "stderr") == 0)
		p->m->print_to = TGT_STREAM_STDERR;
	else if (strcmp(s, "stdout") == 0)
		p->m->print_to = TGT_STREAM_STDOUT;
	else
		return mf_fail_at(p, p->ev.start_mark, "%s must be stdout or stderr, not '%s'",
				  k->full, s);
	return HL_OK;
}

#define SIZE_KEY(sec, name)                                                                 \
	{ #name, sec "." #name, parse_size, offsetof(struct mf_manifest, name), SBX_MIN_SIZE, \
	  SBX_MAX_SIZE, NULL }

static const struct key memory_keys[] = {
	SIZE_KEY("memory", heap),
	SIZE_KEY("memory", stack),
	SIZE_KEY("memory", input),
	SIZE_KEY("memory", output),
};

static const struct key limits_keys[] = {
	{ "timeout", "limits.timeout", parse_duration, offsetof(struct mf_manifest, timeout_ms),
	  1, SBX_MAX_TIMEOUT_MS, NULL },
	{ "max_output", "limits.max_output", parse_size,
	  offsetof(struct mf_manifest, max_output), 1, SBX_MAX_MAX_OUTPUT, NULL },
};

static const struct key process_keys[] = {
	{ "command", "host_process.command", parse_command, 0, 0, 0, NULL },
	{ "timeout", "host_process.timeout", parse_duration,
	  offsetof(struct mf_manifest, process_timeout_ms), 1, SBX_MAX_TIMEOUT_MS, NULL },
	{ "max_reply", "host_process.max_reply", parse_size,
	  offsetof(struct mf_manifest, max_reply), 1, TGT_MAX_REPLY, NULL },
	{ "functions", "host_process.functions", parse_functions, 0, 0, 0, NULL },
};

static const struct section process_section = {
	" in host_process", process_keys, sizeof process_keys / sizeof process_keys[0]
};

static const struct section memory_section = {
	" in memory", memory_keys, sizeof memory_keys / sizeof memory_keys[0]
};

static const struct section limits_section = {
	" in limits", limits_keys, sizeof limits_keys / sizeof limits_keys[0]
};

static const struct key top_keys[] = {
	{ "guest", "guest", parse_guest, 0, 0, 0, NULL },
	{ "snapshot", "snapshot", parse_snapshot, 0, 0, 0, NULL },
	{ "sha256", "sha256", parse_sha256, 0, 0, 0, NULL },
	{ "memory", "memory", parse_section, 0, 0, 0, &memory_section },
	{ "limits", "limits", parse_section, 0, 0, 0, &limits_section },
	{ "host_functions", "host_functions", parse_host_functions, 0, 0, 0, NULL },
	{ "env", "env", parse_env, 0, 0, 0, NULL },
	{ "files", "files", parse_files, 0, 0, 0, NULL },
	{ "print_to", "print_to", parse_print_to, 0, 0, 0, NULL },
	{ "core", "core", parse_core, 0, 0, 0, NULL },
	{ "map", "map", parse_map, 0, 0, 0, NULL },
	{ "host_process", "host_process", parse_process, 0, 0, 0, &process_section },
};

static const struct section top_section = {
	" at the top level", top_keys, sizeof top_keys / sizeof top_keys[0]
};

enum hl_err mf_parse_top(struct mf_parser *p)
{
	yaml_mark_t start = p->ev.start_mark;
	enum hl_err err;

	if (p->ev.type != YAML_MAPPING_START_EVENT) {
		p->not_yaml = true;
		return mf_fail_at(p, start, "the top level must be a mapping, not %s",
				  mf_describe(p));
	}
	err = parse_mapping(p, &top_section);
	if (err != HL_OK)
		return err;
	if (p->m->guest == NULL && p->m->snapshot == NULL)
		return mf_fail_at(p, start, "missing required key 'guest' (or 'snapshot')");
	if (p->m->process_line != 0 && (p->m->command == NULL || p->m->nfunctions == 0))
		return mf_fail_at(p, (yaml_mark_t){ .line = (size_t)p->m->process_line - 1,
						    .column = (size_t)p->m->process_col - 1 },
				  "host_process needs %s", p->m->command == NULL ?
				  "a command (the program that serves the functions)" :
				  "functions (the signatures the program serves)");
	/* Without a guest, the snapshot is the guest: its memory sizes are its own. */
	if (p->m->guest == NULL && (p->m->heap || p->m->stack || p->m->input || p->m->output))
		return mf_fail_at(p, start, "memory does not apply to a snapshot without guest "
				  "(its sizes are fixed when it is saved)");
	return HL_OK;
}
