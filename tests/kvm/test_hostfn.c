/* KVM suite: the host functions through the sandbox API, but for ReadFile's paths
 * (test_hostfn_readfile.c): each denied unless allowed, unknown and mistyped calls,
 * HostPrint and max_output, GetTimeNs, GetRandom, GetEnv's list, and the policy checks of
 * sbx_create().  The fixture is tests/kvm/hostfn.h. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/kvm/hostfn.h"

/* ---- The allow-list -------------------------------------------------------------------- */

struct denied_case {
	char fn[16];
};

ParameterizedTestParameters(hostfn, denied_with_empty_allow_list)
{
	static struct denied_case cases[] = {
		{ "HostPrint" }, { "GetTimeNs" }, { "GetRandom" }, { "GetEnv" }, { "ReadFile" },
	};

	return cr_make_param_array(struct denied_case, cases, sizeof cases / sizeof cases[0]);
}

/* Denial comes before the argument check: CallHost passes no arguments at all. */
ParameterizedTest(struct denied_case *c, hostfn, denied_with_empty_allow_list)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.policy.nallowed = 0;
	start(&f);
	expect_denied(&f, call_str(&f, "CallHost", c->fn, &res), "CallHost", c->fn);
	cr_assert_eq(f.printed_len, 0);
	finish(&f);
}

/* Each host function from simpleguest's export that calls it, under an allow-list that
 * holds only another one: in a fixture that has what every call needs (the variable
 * listed, the file inside the files), so that the allow-list alone refuses it. */
struct allowed_case {
	char guest_fn[16];
	char host_fn[16];
	char allowed[16]; /* the only host function allowed */
	enum { ARG_NONE, ARG_U32, ARG_STRING, ARG_TREE_PATH } arg;
	uint32_t u32;
	char text[24];    /* the string, or a path below ReadFile's tree */
};

ParameterizedTestParameters(hostfn, denied_unless_allowed)
{
	static struct allowed_case cases[] = {
		{ "PrintOutput", "HostPrint", "GetTimeNs", ARG_STRING, 0, "leak" },
		{ "GetTime", "GetTimeNs", "HostPrint", ARG_NONE, 0, "" },
		{ "Random", "GetRandom", "HostPrint", ARG_U32, 16, "" },
		{ "GetEnv", "GetEnv", "HostPrint", ARG_STRING, 0, "HLRUN_TEST_SET" },
		{ "ReadFile", "ReadFile", "HostPrint", ARG_TREE_PATH, 0, "data/inner.txt" },
	};

	return cr_make_param_array(struct allowed_case, cases, sizeof cases / sizeof cases[0]);
}

/* Refused before it does anything: a refused HostPrint prints nothing. */
ParameterizedTest(struct allowed_case *c, hostfn, denied_unless_allowed)
{
	const char *const allowed[1] = { c->allowed };
	struct fixture f;
	struct hl_value res;
	enum hl_err err = HL_OK;

	tree_setup(&f);
	env_policy(&f);
	f.cfg.policy.allowed = allowed;
	f.cfg.policy.nallowed = 1;
	start(&f);
	switch (c->arg) {
	case ARG_NONE:
		err = call0(&f, c->guest_fn, &res);
		break;
	case ARG_U32:
		err = call_u32(&f, c->guest_fn, c->u32, &res);
		break;
	case ARG_STRING:
		err = call_str(&f, c->guest_fn, c->text, &res);
		break;
	case ARG_TREE_PATH:
		err = read_rel(&f, c->text, &res);
		break;
	}
	expect_denied(&f, err, c->guest_fn, c->host_fn);
	cr_assert_str_eq(printed(&f), "");
	finish(&f);
}

Test(hostfn, unknown_function)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "CallHost", "NoSuchFunction", &res), "CallHost",
		     E_UNKNOWN, "NoSuchFunction: no such host function");
	finish(&f);
}

Test(hostfn, wrong_arguments_name_the_signature)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "CallHost", "GetRandom", &res), "CallHost", E_BADARGS,
		     "GetRandom: wrong arguments (); its signature is GetRandom(u32) -> bytes");
	expect_error(&f, call_str(&f, "CallHost", "HostPrint", &res), "CallHost", E_BADARGS,
		     "HostPrint: wrong arguments (); its signature is HostPrint(string) -> i32");
	cr_assert_eq(call_str(&f, "CallHost", "GetTimeNs", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 0);
	finish(&f);
}

/* ---- HostPrint and max_output ---------------------------------------------------------- */

Test(hostfn, print_allowed_writes_exactly)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_str(&f, "PrintOutput", "hello, host\n", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 12);
	cr_assert_str_eq(printed(&f), "hello, host\n");
	finish(&f);
}

/* The limit holds for everything the sandbox's guest prints, across calls, until
 * sbx_reset_output() starts a new budget (batch mode, before each call). */
Test(hostfn, max_output_allows_up_to_the_limit_then_refuses)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("0123456789"), { .type = HL_T_I32, .u.i32 = 10 } };

	setup(&f);
	f.cfg.policy.max_output = 100;
	start(&f);
	cr_assert_eq(call(&f, "PrintTimes", args, 2, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 100);
	cr_assert_eq(strlen(printed(&f)), 100);
	expect_error(&f, call_str(&f, "PrintOutput", "x", &res), "PrintOutput", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_eq(strlen(printed(&f)), 100);
	sbx_reset_output(f.sbx);
	args[1].u.i32 = 11;
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_eq(strlen(printed(&f)), 200);
	sbx_reset_output(f.sbx);
	cr_assert_eq(call_str(&f, "PrintOutput", "x", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(strlen(printed(&f)), 201);
	finish(&f);
}

Test(hostfn, max_output_refused_print_writes_nothing)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("0123456789"), { .type = HL_T_I32, .u.i32 = 11 } };

	setup(&f);
	f.cfg.policy.max_output = 100;
	start(&f);
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "0123456789012345678901234567890123456789"
		"012345678901234567890123456789012345678901234567890123456789");
	finish(&f);
}

Test(hostfn, max_output_counts_only_what_was_written)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("12"), { .type = HL_T_I32, .u.i32 = 3 } };

	setup(&f);
	f.cfg.policy.max_output = 5;
	start(&f);
	expect_error(&f, call_str(&f, "PrintOutput", "123456", &res), "PrintOutput", E_FAILED,
		     "HostPrint: output limit of 5 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "");
	/* 2 + 2 bytes fit, the third print of 2 does not: it writes nothing. */
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 5 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "1212");
	args[0] = str("");
	args[1].u.i32 = 100;
	cr_assert_eq(call(&f, "PrintTimes", args, 2, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 0);
	cr_assert_str_eq(printed(&f), "1212");
	finish(&f);
}

/* HostPrint's stream refusing what it is given (a full disk, unbuffered) is hlrun's
 * failure, not the guest's. */
Test(hostfn, print_to_a_stream_that_fails)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	fclose(f.out);
	free(f.printed);
	f.printed = NULL;
	f.out = fopen("/dev/full", "w");
	cr_assert_not_null(f.out);
	setvbuf(f.out, NULL, _IONBF, 0);
	f.cfg.print_to = f.out;
	start(&f);
	cr_assert_eq(call_str(&f, "PrintOutput", "lost", &res), HL_E_INTERNAL);
	cr_assert_str_eq(f.d.msg, "HostPrint: cannot write the guest's output: No space left on "
			 "device");
	cr_assert(sbx_poisoned(f.sbx));
	finish(&f);
}

/* ---- GetTimeNs ------------------------------------------------------------------------- */

Test(hostfn, time_is_the_hosts_monotonic_clock_and_increases)
{
	struct fixture f;
	struct hl_value r1, r2;
	uint64_t before, after;

	setup(&f);
	start(&f);
	before = sbx_now_ns();
	cr_assert_eq(call0(&f, "GetTime", &r1), HL_OK, "%s", f.d.msg);
	cr_assert_eq(call0(&f, "GetTime", &r2), HL_OK, "%s", f.d.msg);
	after = sbx_now_ns();
	cr_assert_eq(r1.type, HL_T_U64);
	cr_assert_lt(before, r1.u.u64);
	cr_assert_lt(r1.u.u64, r2.u.u64);
	cr_assert_lt(r2.u.u64, after);
	finish(&f);
}

/* ---- GetRandom ------------------------------------------------------------------------- */

Test(hostfn, random_zero_bytes)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 0, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.type, HL_T_BYTES);
	cr_assert_eq(res.len, 0);
	finish(&f);
}

Test(hostfn, random_calls_differ)
{
	struct fixture f;
	struct hl_value res;
	uint8_t first[16], zero[16] = { 0 };

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 16, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 16);
	memcpy(first, res.data, 16);
	cr_assert_neq(memcmp(first, zero, 16), 0);
	cr_assert_eq(call_u32(&f, "Random", 16, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 16);
	cr_assert_neq(memcmp(first, res.data, 16), 0);
	finish(&f);
}

Test(hostfn, random_bounds)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 65536, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 65536);
	expect_error(&f, call_u32(&f, "Random", 65537, &res), "Random", E_BADARGS,
		     "GetRandom: 65537 bytes is out of range (0 to 65536)");
	finish(&f);
}

Test(hostfn, random_reply_must_fit_the_output_buffer)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.output_size = 16 << 10;
	start(&f);
	expect_error(&f, call_u32(&f, "Random", 65536, &res), "Random", E_FAILED,
		     "GetRandom: a reply of 65560 bytes does not fit the output buffer (16384 "
		     "bytes); raise --output-size");
	finish(&f);
}

/* ---- GetEnv ---------------------------------------------------------------------------- */

Test(hostfn, env_listed_and_set)
{
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	start(&f);
	cr_assert_eq(call_str(&f, "GetEnv", "HLRUN_TEST_SET", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.type, HL_T_STRING);
	cr_assert_str_eq((const char *)res.data, "value one=1");
	cr_assert_eq(call_str(&f, "GetEnv", "HLRUN_TEST_EMPTY", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 0);
	finish(&f);
}

Test(hostfn, env_listed_but_unset)
{
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "GetEnv", "HLRUN_TEST_UNSET", &res), "GetEnv", E_FAILED,
		     "GetEnv: variable 'HLRUN_TEST_UNSET' is not set");
	finish(&f);
}

/* Only a listed name, exactly: not one set but unlisted, not a prefix of a listed one,
 * not a listed one with the '=' of an environment entry, not one every process has. */
Test(hostfn, env_unlisted_names_are_refused_exactly)
{
	static const char *const unlisted[] = { "HLRUN_TEST_UNLISTED", "HLRUN_TEST_SE",
						"HLRUN_TEST_SET=", "PATH" };
	struct fixture f;
	struct hl_value res;
	char msg[200];

	env_setup(&f);
	start(&f);
	for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; i++) {
		snprintf(msg, sizeof msg, "GetEnv: variable '%s' is not granted (by the "
			 "manifest's env or --env)", unlisted[i]);
		expect_error(&f, call_str(&f, "GetEnv", unlisted[i], &res), "GetEnv", E_DENIED,
			     msg);
	}
	finish(&f);
}

/* ---- Policy checks of sbx_create() ----------------------------------------------------- */

static void expect_bad_policy(struct fixture *f, const char *msg)
{
	cr_assert_eq(ldr_open(GUEST, &f->guest, &f->d), HL_OK, "%s", f->d.msg);
	cr_assert_eq(sbx_create(f->guest, &f->cfg, &f->sbx, NULL, &f->d), HL_E_USAGE);
	cr_assert_null(f->sbx);
	cr_assert_str_eq(f->d.msg, msg);
	finish(f);
}

Test(hostfn, policy_max_output_bounds)
{
	struct fixture f;

	setup(&f);
	f.cfg.policy.max_output = 0;
	expect_bad_policy(&f, "max_output of 0 bytes is out of range (1 to 4294967296)");
	setup(&f);
	f.cfg.policy.max_output = SBX_MAX_MAX_OUTPUT + 1;
	expect_bad_policy(&f, "max_output of 4294967297 bytes is out of range (1 to "
			  "4294967296)");
}

Test(hostfn, policy_lists_must_exist)
{
	static const char *const with_null[] = { "HLRUN_TEST_SET", NULL };
	struct fixture f;

	setup(&f);
	f.cfg.policy.nenv = 2;
	expect_bad_policy(&f, "policy: env has 2 entries but no list");
	setup(&f);
	f.cfg.policy.nfiles = 1;
	expect_bad_policy(&f, "policy: files has 1 entries but no list");
	setup(&f);
	f.cfg.policy.env = with_null;
	f.cfg.policy.nenv = 2;
	expect_bad_policy(&f, "policy: entry 2 of env is NULL");
}

Test(hostfn, policy_allows_only_known_functions)
{
	static const char *const bogus[] = { "HostPrint", "ReadFiles" };
	struct fixture f;

	setup(&f);
	f.cfg.policy.allowed = bogus;
	f.cfg.policy.nallowed = 2;
	expect_bad_policy(&f, "no host function named 'ReadFiles' to allow (there are "
			  "HostPrint, GetTimeNs, GetRandom, GetEnv and ReadFile)");
	cr_assert(sbx_host_function_exists("ReadFile"));
	cr_assert_not(sbx_host_function_exists("ReadFiles"));
	cr_assert_not(sbx_host_function_exists(""));
}

