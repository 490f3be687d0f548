/* Unit tests of the signatures a snapshot records for a host process's functions
 * (sbx_extern_signature(), sbx_extern_parse()): each written one way and read back the
 * same, every other text refused. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "core/core_internal.h"

Test(signature, written_and_read_back)
{
	static const struct hl_export fns[] = {
		{ .name = "Now", .ret = HL_T_U64 },
		{ .name = "Ping" },
		{ .name = "Lookup", .ret = HL_T_STRING, .nparams = 2,
		  .params = { HL_T_STRING, HL_T_I32 } },
		{ .name = "A_23456789012345678901234567890123456789012345678901234",
		  .ret = HL_T_BYTES, .nparams = 12,
		  .params = { HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32, HL_T_F64,
			      HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_BYTES, HL_T_BYTES,
			      HL_T_BYTES } },
	};
	static const char *const texts[] = {
		"Now()->u64", "Ping()->void", "Lookup(string,i32)->string",
		"A_23456789012345678901234567890123456789012345678901234(i32,u32,i64,u64,f32,"
		"f64,bool,string,bytes,bytes,bytes,bytes)->bytes",
	};

	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		char buf[SBX_SIGNATURE_MAX];
		struct hl_export e;

		cr_assert_eq(sbx_extern_signature(&fns[i], buf, sizeof buf), strlen(texts[i]));
		cr_assert_str_eq(buf, texts[i]);
		cr_assert(sbx_extern_parse(buf, &e), "%s", buf);
		cr_assert_str_eq(e.name, fns[i].name);
		cr_assert_eq(e.ret, fns[i].ret, "%s", buf);
		cr_assert_eq(e.nparams, fns[i].nparams, "%s", buf);
		cr_assert_arr_eq(e.params, fns[i].params, sizeof e.params, "%s", buf);
	}
}

struct bad_text {
	char text[160];
};

ParameterizedTestParameters(signature, refused)
{
	static struct bad_text cases[] = {
		{ "" }, { "Now" }, { "Now(" }, { "Now()" }, { "Now()->" }, { "Now()-> u64" },
		{ "Now()->u64 " }, { "Now()->U64" }, { "Now()>u64" }, { "(i32)->u64" },
		{ "1Now()->u64" }, { "No w()->u64" }, { "Now(void)->u64" }, { "Now(i32,)->u64" },
		{ "Now(,i32)->u64" }, { "Now(i32,,i32)->u64" }, { "Now( i32)->u64" },
		{ "Now(i32)->u64->u64" }, { "Now(i32))->u64" }, { "Now()(->u64" },
		{ "Now(i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32)->u64" },
		{ "A_234567890123456789012345678901234567890123456789012345()->u64" },
		{ "HostPrint" }, { "GetTimeNs()" },
	};

	return cr_make_param_array(struct bad_text, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_text *c, signature, refused)
{
	struct hl_export e;

	cr_assert_not(sbx_extern_parse(c->text, &e), "accepted: %s", c->text);
}
