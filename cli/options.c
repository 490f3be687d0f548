/* The command line's options: one table, parsed as getopt_long(3) users expect. */
#include "cli/cli.h"
#include "common/units.h"
#include "guests/include/hlwire.h"

#include <string.h>

enum opt_id {
	OPT_MANIFEST, OPT_BATCH, OPT_KEEP_STATE, OPT_SAVE_SNAPSHOT, OPT_CHECK, OPT_LIST,
	OPT_JSON, OPT_TIMEOUT, OPT_HEAP, OPT_STACK, OPT_INPUT_SIZE, OPT_OUTPUT_SIZE, OPT_ALLOW,
	OPT_ENV, OPT_DIR, OPT_MAP, OPT_PRINT_TO, OPT_CORE, OPT_STATS, OPT_NO_SECCOMP, OPT_HELP,
	OPT_VERSION,
};

/* Every option, as --help lists them (tests/docs/check reads this table). */
static const struct option {
	char short_name; /* '\0': none */
	const char *name;
	bool value;      /* takes a value */
	enum opt_id id;
} options[] = {
	{ 'm', "manifest", true, OPT_MANIFEST },
	{ 0, "batch", false, OPT_BATCH },
	{ 0, "keep-state", false, OPT_KEEP_STATE },
	{ 0, "save-snapshot", true, OPT_SAVE_SNAPSHOT },
	{ 0, "check", false, OPT_CHECK },
	{ 'l', "list", false, OPT_LIST },
	{ 0, "json", false, OPT_JSON },
	{ 't', "timeout", true, OPT_TIMEOUT },
	{ 0, "heap", true, OPT_HEAP },
	{ 0, "stack", true, OPT_STACK },
	{ 0, "input-size", true, OPT_INPUT_SIZE },
	{ 0, "output-size", true, OPT_OUTPUT_SIZE },
	{ 0, "allow", true, OPT_ALLOW },
	{ 0, "env", true, OPT_ENV },
	{ 0, "dir", true, OPT_DIR },
	{ 0, "map", true, OPT_MAP },
	{ 0, "print-to", true, OPT_PRINT_TO },
	{ 0, "core", true, OPT_CORE },
	{ 0, "stats", false, OPT_STATS },
	{ 0, "no-seccomp", false, OPT_NO_SECCOMP },
	{ 'h', "help", false, OPT_HELP },
	{ 'V', "version", false, OPT_VERSION },
};

#define NOPTIONS (sizeof options / sizeof options[0])

/* The option named by the len bytes at name (long), or by the character c (short). */
static const struct option *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static const struct option *find_short(char c)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (options[i].short_name != '\0' && options[i].short_name == c)
			return &options[i];
	return NULL;
}

bool cli_is_option(const char *word)
{
	if (word[0] != '-' || word[1] == '\0')
		return false;
	if (word[1] == '-')
		return find_long(word + 2, strcspn(word + 2, "=")) != NULL;
	return find_short(word[1]) != NULL;
}

/* The length of a grant's key: a --env's name, a --dir's whole path. */
static size_t key_len(const char *grant, bool by_name)
{
	return by_name ? strcspn(grant, "=") : strlen(grant);
}

/* Appends a --env or --dir grant, each key at most once. */
static enum hl_err grant(const char *opt, const char *v, bool by_name, const char **list,
			 int *n, struct hl_diag *d)
{
	size_t len = key_len(v, by_name);

	for (int i = 0; i < *n; i++)
		if (key_len(list[i], by_name) == len && strncmp(list[i], v, len) == 0)
			return hl_fail(d, HL_E_USAGE, "option %s %.*s given twice", opt, (int)len,
				       v);
	if (*n == CLI_MAX_GRANTS)
		return hl_fail(d, HL_E_USAGE, "more than %d %s options", CLI_MAX_GRANTS, opt);
	list[(*n)++] = v;
	return HL_OK;
}

static enum hl_err env_grant(const char *v, struct cli_opts *o, struct hl_diag *d)
{
	size_t len = strcspn(v, "=");

	if (!hlw_is_ident((const uint8_t *)v, len))
		return hl_fail(d, HL_E_USAGE, "option --env %.*s: not a variable name "
			       "([A-Za-z_][A-Za-z0-9_]*)", (int)len, v);
	return grant("--env", v, true, o->env, &o->nenv, d);
}

static enum hl_err dir_grant(const char *v, struct cli_opts *o, struct hl_diag *d)
{
	if (*v == '\0')
		return hl_fail(d, HL_E_USAGE, "option --dir needs a path, not an empty one");
	return grant("--dir", v, false, o->dirs, &o->ndirs, d);
}

/* --map NAME=PATH, each name once. */
static enum hl_err map_file(const char *v, struct cli_opts *o, struct hl_diag *d)
{
	size_t len = strcspn(v, "=");
	struct sbx_map m, other;

	if (v[len] != '=')
		return hl_fail(d, HL_E_USAGE, "option --map %s: not NAME=PATH", v);
	if (!sbx_map_name_ok(v, len))
		return hl_fail(d, HL_E_USAGE, "option --map %s: NAME '%.*s' is not an identifier "
			       "of 1 to %d characters ([A-Za-z_][A-Za-z0-9_]*)", v, (int)len, v,
			       HL_MAP_NAME_MAX - 1);
	if (!sbx_map_split(v, &m))
		return hl_fail(d, HL_E_USAGE, "option --map %s: PATH is empty", v);
	for (int i = 0; i < o->nmaps; i++)
		if (sbx_map_split(o->maps[i], &other) && strcmp(other.name, m.name) == 0)
			return hl_fail(d, HL_E_USAGE, "option --map %s given twice", m.name);
	if (o->nmaps == HL_MAX_MAPS)
		return hl_fail(d, HL_E_USAGE, "more than %d --map options", HL_MAX_MAPS);
	o->maps[o->nmaps++] = v;
	return HL_OK;
}

/* Applies option p, written as opt, with its value v (NULL for a flag). */
static enum hl_err apply(const struct option *p, const char *opt, const char *v,
			 struct cli_opts *o, struct hl_diag *d)
{
	switch (p->id) {
	case OPT_MANIFEST:
		if (o->manifest)
			return hl_fail(d, HL_E_USAGE, "option %s given twice", opt);
		o->guest = v;
		o->manifest = true;
		return HL_OK;
	case OPT_SAVE_SNAPSHOT: o->save_snapshot = v; return HL_OK;
	case OPT_CORE:
		if (*v == '\0')
			return hl_fail(d, HL_E_USAGE, "option %s needs a file, not an empty name",
				       opt);
		o->core = v;
		return HL_OK;
	case OPT_TIMEOUT: return hl_parse_duration(v, &o->timeout_ms, d);
	case OPT_HEAP: return hl_parse_size(v, &o->heap, d);
	case OPT_STACK: return hl_parse_size(v, &o->stack, d);
	case OPT_INPUT_SIZE: return hl_parse_size(v, &o->input_size, d);
	case OPT_OUTPUT_SIZE: return hl_parse_size(v, &o->output_size, d);
	case OPT_ALLOW:
		if (o->nallow == CLI_MAX_ALLOW)
			return hl_fail(d, HL_E_USAGE, "more than %d --allow options", CLI_MAX_ALLOW);
		o->allow[o->nallow++] = v;
		return HL_OK;
	case OPT_ENV: return env_grant(v, o, d);
	case OPT_DIR: return dir_grant(v, o, d);
	case OPT_MAP: return map_file(v, o, d);
	case OPT_PRINT_TO:
		if (strcmp(v, "stdout") != 0 && strcmp(v, "stderr") != 0)
			return hl_fail(d, HL_E_USAGE, "option %s takes stdout or stderr, not '%s'",
				       opt, v);
		o->print_to = v;
		return HL_OK;
	case OPT_BATCH: o->batch = true; return HL_OK;
	case OPT_KEEP_STATE: o->keep_state = true; return HL_OK;
	case OPT_CHECK: o->check = true; return HL_OK;
	case OPT_LIST: o->list = true; return HL_OK;
	case OPT_JSON: o->json = true; return HL_OK;
	case OPT_STATS: o->stats = true; return HL_OK;
	case OPT_NO_SECCOMP: o->no_seccomp = true; return HL_OK;
	case OPT_HELP: o->help = true; return HL_OK;
	case OPT_VERSION: o->version = true; return HL_OK;
	}
	return hl_fail(d, HL_E_INTERNAL, "option %s has no meaning", opt);
}

/* One "--name" or "--name=value" word at argv[*i]; a value may be the next word. */
static enum hl_err long_option(int argc, char **argv, int *i, struct cli_opts *o,
			       struct hl_diag *d)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const struct option *p = find_long(a + 2, len - 2);
	char opt[32];

	if (p == NULL)
		return hl_fail(d, HL_E_USAGE, "unknown option %.*s", (int)len, a);
	snprintf(opt, sizeof opt, "--%s", p->name);
	if (!p->value && eq != NULL)
		return hl_fail(d, HL_E_USAGE, "option %s takes no value", opt);
	if (p->value && eq == NULL && *i + 1 >= argc)
		return hl_fail(d, HL_E_USAGE, "option %s needs a value", opt);
	return apply(p, opt, !p->value ? NULL : eq ? eq + 1 : argv[++*i], o, d);
}

/* One word of short options at argv[*i], bundled: "-lV", "-t1s", "-lt 1s". */
static enum hl_err short_options(int argc, char **argv, int *i, struct cli_opts *o,
				 struct hl_diag *d)
{
	const char *a = argv[*i];
	enum hl_err err = HL_OK;

	for (size_t j = 1; a[j] != '\0' && err == HL_OK; j++) {
		const struct option *p = find_short(a[j]);
		char opt[3] = { '-', a[j], '\0' };

		if (p == NULL)
			return hl_fail(d, HL_E_USAGE, "unknown option %s", opt);
		if (!p->value) {
			err = apply(p, opt, NULL, o, d);
			continue;
		}
		if (a[j + 1] != '\0')
			return apply(p, opt, a + j + 1, o, d);
		if (*i + 1 >= argc)
			return hl_fail(d, HL_E_USAGE, "option %s needs a value", opt);
		return apply(p, opt, argv[++*i], o, d);
	}
	return err;
}

/* Whether the option word a takes the next word as its value: a long option that takes
 * one without "=", or a bundle whose last letter takes one without an attached value. */
static bool takes_next(const char *a)
{
	const struct option *p = NULL;

	if (a[1] == '-')
		return strchr(a, '=') == NULL && (p = find_long(a + 2, strlen(a + 2))) != NULL &&
		       p->value;
	for (size_t j = 1; a[j] != '\0'; j++)
		if ((p = find_short(a[j])) == NULL || p->value)
			return p != NULL && a[j + 1] == '\0';
	return false;
}

/* After a failure at argv[i]: whether "--json" is among the options still to come,
 * skipping the values they take. */
static bool json_later(int argc, char **argv, int i)
{
	for (i++; i < argc && argv[i][0] == '-' && argv[i][1] != '\0' &&
		  strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0)
			return true;
		if (takes_next(argv[i]))
			i++;
	}
	return false;
}

/* The operands: GUEST (unless -m named the manifest), FUNCTION, ARG... */
static enum hl_err operands(char **ops, int nops, struct cli_opts *o, struct hl_diag *d)
{
	if (o->list + o->check + o->batch + (o->save_snapshot != NULL) > 1)
		return hl_fail(d, HL_E_USAGE, "--list, --check, --batch and --save-snapshot "
			       "exclude each other");
	if (o->keep_state && !o->batch)
		return hl_fail(d, HL_E_USAGE, "--keep-state needs --batch");
	if (!o->manifest) {
		if (nops < 1)
			return hl_fail(d, HL_E_USAGE, "missing GUEST or MANIFEST");
		o->guest = *ops++;
		nops--;
	}
	if (o->list || o->check || o->batch || o->save_snapshot != NULL)
		return nops == 0 ? HL_OK : hl_fail(d, HL_E_USAGE, "%s takes no FUNCTION or ARG",
						    o->list ? "--list" : o->check ? "--check" :
						    o->batch ? "--batch" : "--save-snapshot");
	if (nops < 1)
		return hl_fail(d, HL_E_USAGE, "missing FUNCTION (hlrun --list %s shows them)",
			       o->guest);
	o->function = ops[0];
	o->args = ops + 1;
	o->nargs = nops - 1;
	return HL_OK;
}

enum hl_err cli_parse(int argc, char **argv, struct cli_opts *o, struct hl_diag *d)
{
	enum hl_err err = HL_OK;
	int i;

	*o = (struct cli_opts){ 0 };
	for (i = 1; i < argc && err == HL_OK; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		err = a[1] == '-' ? long_option(argc, argv, &i, o, d) :
				    short_options(argc, argv, &i, o, d);
		if (err != HL_OK)
			o->json = o->json || json_later(argc, argv, i);
	}
	if (err != HL_OK || o->help || o->version)
		return err;
	return operands(argv + i, argc - i, o, d);
}
