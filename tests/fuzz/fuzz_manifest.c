/* libFuzzer target: the manifest parser (mf_parse) on hostile YAML, checking what
 * target/manifest.h promises about every manifest it accepts and every error it reports,
 * and that the core accepts the host functions of every host_process it accepts. */
#include <string.h>

#include "core/core.h"
#include "target/manifest.h"
#include "tests/fuzz/fuzz.h"

#define NAME "f.yaml"

/* "f.yaml" has no directory part: relative paths become "./PATH". */
static int resolved(const char *s)
{
	return s != NULL && (s[0] == '/' || (strncmp(s, "./", 2) == 0 && s[2] != '\0'));
}

static int unique(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0)
				return 0;
	return 1;
}

static void check_size(uint64_t v)
{
	CHECK(v == 0 || (v >= SBX_MIN_SIZE && v <= SBX_MAX_SIZE));
}

/* Each map: a name of 1 to 31 identifier characters, NUL-padded to its array (the PEB
 * copies it whole), given once; its path resolved, and the string the manifest owns. */
static void check_maps(const struct mf_manifest *m)
{
	CHECK(m->nmaps <= HL_MAX_MAPS);
	for (size_t i = 0; i < m->nmaps; i++) {
		const char *name = m->maps[i].name;
		size_t len = strnlen(name, HL_MAP_NAME_MAX);

		CHECK(len < HL_MAP_NAME_MAX && sbx_map_name_ok(name, len));
		for (size_t j = len; j < HL_MAP_NAME_MAX; j++)
			CHECK(name[j] == '\0');
		CHECK(m->maps[i].path == m->map_paths[i] && resolved(m->maps[i].path));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(m->maps[j].name, name) != 0);
	}
}

/* host_process: a command and functions, or neither; the program's name not empty, and
 * resolved when it has a '/'; the functions a configuration the core accepts. */
static void check_process(const struct mf_manifest *m)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	CHECK((m->command == NULL) == (m->nfunctions == 0));
	CHECK((m->command == NULL) == (m->ncommand == 0));
	CHECK(m->ncommand <= MF_MAX_WORDS && m->nfunctions <= SBX_MAX_EXTERNS);
	CHECK(m->process_timeout_ms <= SBX_MAX_TIMEOUT_MS && m->max_reply <= TGT_MAX_REPLY);
	if (m->command == NULL)
		return;
	CHECK(m->process_line >= 1 && m->process_col >= 1);
	CHECK(m->command[0][0] != '\0' && m->command[m->ncommand] == NULL);
	CHECK(strchr(m->command[0], '/') == NULL || resolved(m->command[0]));
	for (size_t i = 1; i < m->ncommand; i++)
		CHECK(m->command[i] != NULL);
	sbx_config_default(&cfg);
	cfg.externs.fns = m->functions;
	cfg.externs.nfns = m->nfunctions;
	CHECK(sbx_config_check(&cfg, &d) == HL_OK);
}

static void check_manifest(const struct mf_manifest *m)
{
	CHECK(m->path != NULL && strcmp(m->path, NAME) == 0);
	/* A guest, a snapshot, or both; a snapshot alone brings its own memory sizes. */
	CHECK(m->guest != NULL || m->snapshot != NULL);
	CHECK(m->guest == NULL || (resolved(m->guest) && m->guest_line >= 1 &&
				   m->guest_col >= 1));
	CHECK(m->snapshot == NULL || (resolved(m->snapshot) && m->snapshot_line >= 1 &&
				      m->snapshot_col >= 1));
	CHECK(m->guest != NULL || (m->heap | m->stack | m->input | m->output) == 0);
	check_size(m->heap);
	check_size(m->stack);
	check_size(m->input);
	check_size(m->output);
	CHECK(m->timeout_ms <= SBX_MAX_TIMEOUT_MS);
	CHECK(m->max_output <= SBX_MAX_MAX_OUTPUT);
	CHECK(m->nhost_functions <= MF_MAX_ENTRIES && m->nenv <= MF_MAX_ENTRIES &&
	      m->nfiles <= MF_MAX_ENTRIES);
	for (size_t i = 0; i < m->nhost_functions; i++)
		CHECK(sbx_host_function_exists(m->host_functions[i]));
	for (size_t i = 0; i < m->nenv; i++)
		CHECK(is_ident(m->env[i]));
	for (size_t i = 0; i < m->nfiles; i++)
		CHECK(resolved(m->files[i]));
	CHECK(unique(m->host_functions, m->nhost_functions));
	CHECK(unique(m->env, m->nenv));
	CHECK(unique(m->files, m->nfiles));
	check_maps(m);
	check_process(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_diag d = { 0 };
	struct mf_manifest *m = NULL;
	enum hl_err err = mf_parse((const char *)data, size, NAME, &m, &d);

	if (err != HL_OK) {
		CHECK(err == HL_E_INVALID || err == HL_E_INTERNAL);
		CHECK(d.err == err);
		CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
		CHECK(strncmp(d.msg, NAME ":", strlen(NAME ":")) == 0);
		mf_free(m);
		return 0;
	}
	CHECK(m != NULL);
	check_manifest(m);
	mf_free(m);
	return 0;
}
