/* The manifest's host_process: the command of the user's program that serves host
 * functions, and the signature of each function it serves. */
#include "target/manifest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

enum hl_err mf_parse_command(struct mf_parser *p, const char *full)
{
	struct mf_manifest *m = p->m;

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a sequence (the program and "
				  "its arguments), not %s", full, mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);
		char **grown;

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return mf_fail_at(p, p->ev.start_mark, "entries of %s must be scalars, not "
					  "%s", full, mf_describe(p));
		if (m->ncommand == MF_MAX_WORDS)
			return mf_fail_at(p, p->ev.start_mark, "%s has more than %d words", full,
					  MF_MAX_WORDS);
		grown = realloc(m->command, (m->ncommand + 2) * sizeof *grown);
		if (grown == NULL)
			return mf_nomem(p);
		m->command = grown;
		/* The program is named relative to the manifest when it has a '/', and
		 * looked up in PATH otherwise, as a shell would. */
		if (m->ncommand == 0 && p->ev.data.scalar.length == 0)
			return mf_fail_at(p, p->ev.start_mark, "%s: the program's name is empty",
					  full);
		m->command[m->ncommand] = m->ncommand == 0 && strchr(mf_scalar(p), '/') ?
					  mf_join(p->path, mf_scalar(p)) : strdup(mf_scalar(p));
		if (m->command[m->ncommand] == NULL)
			return mf_nomem(p);
		m->command[++m->ncommand] = NULL;
	}
	if (m->ncommand == 0)
		return mf_fail_at(p, p->ev.start_mark, "%s is empty: it names the program to run",
				  full);
	return HL_OK;
}

/* The type named by the scalar p->ev; void only when may_void. */
static enum hl_err parse_type(struct mf_parser *p, const char *full, bool may_void,
			      uint8_t *type)
{
	const char *names[HL_T_MAX + 1];
	char where[HL_NAME_MAX + 64];
	size_t n = 0;

	if (p->ev.type != YAML_SCALAR_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a type, not %s", full,
				  mf_describe(p));
	for (uint8_t t = may_void ? HL_T_VOID : HL_T_I32; t <= HL_T_MAX; t++) {
		names[n++] = hlw_type_name(t);
		if (strcmp(mf_scalar(p), hlw_type_name(t)) == 0) {
			*type = t;
			return HL_OK;
		}
	}
	snprintf(where, sizeof where, " in %s", full);
	return mf_unknown(p, p->ev.start_mark, "type", where, mf_scalar(p), names, n);
}

static enum hl_err parse_params(struct mf_parser *p, const char *full, struct hl_export *e)
{
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a sequence of types, not %s",
				  full, mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return HL_OK;
		if (e->nparams == HL_MAX_PARAMS)
			return mf_fail_at(p, p->ev.start_mark, "%s has more than %d types", full,
					  HL_MAX_PARAMS);
		err = parse_type(p, full, false, &e->params[e->nparams]);
		if (err != HL_OK)
			return err;
		e->nparams++;
	}
}

/* NAME: {params: [TYPE...], returns: TYPE}, both optional: no parameters, void. */
static enum hl_err parse_signature(struct mf_parser *p, const char *full, struct hl_export *e)
{
	static const char *const keys[] = { "params", "returns" };
	char where[HL_NAME_MAX + 48];
	int seen[2] = { 0, 0 };

	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s.%s must be a mapping (params, "
				  "returns), not %s", full, e->name, mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);
		int k;

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			return HL_OK;
		k = p->ev.type != YAML_SCALAR_EVENT ? -1 :
		    strcmp(mf_scalar(p), "params") == 0 ? 0 :
		    strcmp(mf_scalar(p), "returns") == 0 ? 1 : -1;
		snprintf(where, sizeof where, " in %s.%s", full, e->name);
		if (k < 0)
			return p->ev.type != YAML_SCALAR_EVENT ?
			       mf_fail_at(p, p->ev.start_mark, "a key must be a scalar, not %s",
					  mf_describe(p)) :
			       mf_unknown(p, p->ev.start_mark, "key", where, mf_scalar(p), keys, 2);
		if (seen[k] != 0)
			return mf_fail_at(p, p->ev.start_mark, "duplicate key '%s'%s (first on line "
					  "%d)", keys[k], where, seen[k]);
		seen[k] = (int)p->ev.start_mark.line + 1;
		snprintf(where, sizeof where, "%s.%s.%s", full, e->name, keys[k]);
		err = mf_next(p);
		if (err == HL_OK)
			err = k == 0 ? parse_params(p, where, e) : parse_type(p, where, true, &e->ret);
		if (err != HL_OK)
			return err;
	}
}

enum hl_err mf_parse_functions(struct mf_parser *p, const char *full)
{
	struct mf_manifest *m = p->m;

	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "%s must be a mapping of names to "
				  "signatures, not %s", full, mf_describe(p));
	for (;;) {
		enum hl_err err = mf_next(p);
		struct hl_export *e;
		const char *name;
		size_t len;

		if (err != HL_OK)
			return err;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return mf_fail_at(p, p->ev.start_mark, "a name in %s must be a scalar, not "
					  "%s", full, mf_describe(p));
		name = mf_scalar(p);
		len = p->ev.data.scalar.length;
		if (len >= HL_NAME_MAX || !hlw_is_ident((const uint8_t *)name, len))
			return mf_fail_at(p, p->ev.start_mark, "%s name '%s' is not an identifier "
					  "of at most %d characters ([A-Za-z_][A-Za-z0-9_]*)", full,
					  name, HL_NAME_MAX - 1);
		if (sbx_host_function_exists(name))
			return mf_fail_at(p, p->ev.start_mark, "%s: %s is a host function of "
					  "hlrun's own (host_functions allows it)", full, name);
		for (size_t i = 0; i < m->nfunctions; i++)
			if (strcmp(m->functions[i].name, name) == 0)
				return mf_fail_at(p, p->ev.start_mark, "duplicate name '%s' in %s",
						  name, full);
		if (m->nfunctions == SBX_MAX_EXTERNS)
			return mf_fail_at(p, p->ev.start_mark, "%s has more than %d functions",
					  full, SBX_MAX_EXTERNS);
		e = &m->functions[m->nfunctions];
		*e = (struct hl_export){ .ret = HL_T_VOID };
		memcpy(e->name, name, len + 1);
		err = mf_next(p);
		if (err == HL_OK)
			err = parse_signature(p, full, e);
		if (err != HL_OK)
			return err;
		m->nfunctions++;
	}
	if (m->nfunctions == 0)
		return mf_fail_at(p, p->ev.start_mark, "%s is empty: it declares the functions "
				  "the program serves", full);
	return HL_OK;
}
