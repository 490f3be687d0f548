/* Unit tests of sbx_config_check() (no /dev/kvm needed): each bound of a sandbox's
 * configuration accepted at its value and refused one past it, with the usage error that
 * names the setting. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "core/core.h"

enum field { HEAP, STACK, INPUT, OUTPUT, TIMEOUT, MAX_OUTPUT };

struct bound_case {
	enum field field;
	uint64_t ok, bad;
	char msg[96];
};

static void set(struct sbx_config *c, enum field f, uint64_t v)
{
	switch (f) {
	case HEAP: c->heap_size = v; break;
	case STACK: c->stack_size = v; break;
	case INPUT: c->input_size = v; break;
	case OUTPUT: c->output_size = v; break;
	case TIMEOUT: c->timeout_ms = v; break;
	case MAX_OUTPUT: c->policy.max_output = v; break;
	}
}

#define RANGE "out of range (4096 to 4294967296)"

ParameterizedTestParameters(config, bounds)
{
	static struct bound_case cases[] = {
		{ HEAP, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "heap of 4095 bytes is " RANGE },
		{ HEAP, SBX_MAX_SIZE, SBX_MAX_SIZE + 1, "heap of 4294967297 bytes is " RANGE },
		{ STACK, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "stack of 4095 bytes is " RANGE },
		{ STACK, SBX_MAX_SIZE, SBX_MAX_SIZE + 1, "stack of 4294967297 bytes is " RANGE },
		{ INPUT, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "input buffer of 4095 bytes is " RANGE },
		{ INPUT, SBX_MAX_SIZE, SBX_MAX_SIZE + 1,
		  "input buffer of 4294967297 bytes is " RANGE },
		{ OUTPUT, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "output buffer of 4095 bytes is " RANGE },
		{ OUTPUT, SBX_MAX_SIZE, SBX_MAX_SIZE + 1,
		  "output buffer of 4294967297 bytes is " RANGE },
		{ TIMEOUT, SBX_MAX_TIMEOUT_MS, SBX_MAX_TIMEOUT_MS + 1,
		  "timeout of 86400001 ms is longer than the maximum (86400000 ms)" },
		{ MAX_OUTPUT, 1, 0, "max_output of 0 bytes is out of range (1 to " },
		{ MAX_OUTPUT, SBX_MAX_MAX_OUTPUT, SBX_MAX_MAX_OUTPUT + 1,
		  "max_output of 4294967297 bytes is out of range (1 to 4294967296" },
	};

	return cr_make_param_array(struct bound_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bound_case *c, config, bounds)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	set(&cfg, c->field, c->ok);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	set(&cfg, c->field, c->bad);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_E_USAGE, "%s: accepted", c->msg);
	cr_assert(strstr(d.msg, c->msg) != NULL, "\"%s\" not in: %s", c->msg, d.msg);
}

/* The defaults are within every bound. */
Test(config, defaults_pass)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(cfg.policy.max_output, SBX_DEFAULT_MAX_OUTPUT);
	cr_assert_eq(cfg.timeout_ms, 0);
}
