/* Unit tests of cli/: exit statuses and durations (test_cli_options.c: the options). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/units.h"

/* ---- Exit statuses ------------------------------------------------------------------- */

Test(cli, exit_status_of_every_class)
{
	static const struct { enum hl_err err; int status; } table[] = {
		{ HL_OK, 0 }, { HL_E_GUEST, 1 }, { HL_E_USAGE, 2 }, { HL_E_INVALID, 3 },
		{ HL_E_CRASH, 4 }, { HL_E_NOKVM, 5 }, { HL_E_TIMEOUT, 124 },
		{ HL_E_INTERNAL, 125 },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		cr_assert_eq(cli_exit_status(table[i].err), table[i].status, "class %d",
			     table[i].err);
	cr_assert_eq(cli_exit_status((enum hl_err)99), 125);
}

/* ---- Durations ----------------------------------------------------------------------- */

enum dur_result { DUR_OK, DUR_BAD, DUR_ZERO, DUR_LONG };

struct dur_case {
	char text[24];
	enum dur_result result;
	uint64_t ms;
};

ParameterizedTestParameters(cli, duration)
{
	static struct dur_case cases[] = {
		{ "1s", DUR_OK, 1000 },
		{ "1", DUR_OK, 1000 },
		{ "250ms", DUR_OK, 250 },
		{ "1.5s", DUR_OK, 1500 },
		{ "2m", DUR_OK, 120000 },
		{ "0.5m", DUR_OK, 30000 },
		{ "0.0001s", DUR_OK, 1 },  /* rounds up */
		{ "0.5ms", DUR_OK, 1 },
		{ "1e3ms", DUR_OK, 1000 },
		{ "1.1s", DUR_OK, 1100 },
		{ "2.007s", DUR_OK, 2007 },
		{ "86400s", DUR_OK, 86400000 },
		{ "1440m", DUR_OK, 86400000 },
		{ "86400000ms", DUR_OK, 86400000 },
		{ "86401s", DUR_LONG, 0 },
		{ "86400.001s", DUR_LONG, 0 },
		{ "86400001ms", DUR_LONG, 0 },
		{ "1441m", DUR_LONG, 0 },
		{ "0", DUR_ZERO, 0 },
		{ "0s", DUR_ZERO, 0 },
		{ "0ms", DUR_ZERO, 0 },
		{ "-1s", DUR_BAD, 0 },
		{ "-0", DUR_BAD, 0 },
		{ "+1s", DUR_BAD, 0 },
		{ " 1s", DUR_BAD, 0 },
		{ "1h", DUR_OK, 3600000 },
		{ "24h", DUR_OK, 86400000 },
		{ "25h", DUR_LONG, 0 },
		{ "s", DUR_BAD, 0 },
		{ "ms", DUR_BAD, 0 },
		{ "", DUR_BAD, 0 },
		{ "1 s", DUR_BAD, 0 },
		{ "1s ", DUR_BAD, 0 },
		{ "1sec", DUR_BAD, 0 },
		{ "1S", DUR_BAD, 0 },
		{ "nan", DUR_BAD, 0 },
		{ "inf", DUR_BAD, 0 },
		{ "infs", DUR_BAD, 0 },
		{ "1e999s", DUR_BAD, 0 },
	};

	return cr_make_param_array(struct dur_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dur_case *c, cli, duration)
{
	struct hl_diag d = { 0 };
	uint64_t ms = 777;
	enum hl_err err = hl_parse_duration(c->text, &ms, &d);
	char want[160];

	if (c->result == DUR_OK) {
		cr_assert_eq(err, HL_OK, "'%s': %s", c->text, d.msg);
		cr_assert_eq(ms, c->ms, "'%s': got %llu ms, want %llu", c->text,
			     (unsigned long long)ms, (unsigned long long)c->ms);
		return;
	}
	if (c->result == DUR_BAD)
		snprintf(want, sizeof want, "bad duration '%s' (use a number with ms, s, m or "
			 "h, e.g. 500ms or 2s)", c->text);
	else if (c->result == DUR_ZERO)
		snprintf(want, sizeof want, "duration '%s' is zero", c->text);
	else
		snprintf(want, sizeof want, "duration '%s' is longer than the maximum (24h)",
			 c->text);
	cr_assert_eq(err, HL_E_USAGE, "'%s' accepted as %llu ms", c->text,
		     (unsigned long long)ms);
	cr_assert_str_eq(d.msg, want);
}
