/* The second file of the guest that tests/sdk/check builds against the installed SDK
 * (the first is hlrun-guest(7)'s example).  Its exports are in neither alphabetical nor
 * reverse order: hlrun --list must show them as written, before or after the other
 * file's as the two are linked. */
#include "hlguest.h"

static int32_t count;

/* Count() -> i32: how many calls this memory has seen, so 1 unless a batch keeps it. */
static int counter(const struct hl_value *args, struct hl_value *ret)
{
	(void)args;
	ret->u.i32 = ++count;
	return 0;
}
HL_EXPORT(Count, counter, HL_T_I32);

/* The others return their argument: the runtime has set ret->type already. */
static int same(const struct hl_value *args, struct hl_value *ret)
{
	ret->u = args[0].u;
	return 0;
}
HL_EXPORT(Zulu, same, HL_T_U64, HL_T_U64);
HL_EXPORT(Alpha, same, HL_T_I32, HL_T_I32);
HL_EXPORT(Mike, same, HL_T_BOOL, HL_T_BOOL);
HL_EXPORT(Yankee, same, HL_T_F64, HL_T_F64);
HL_EXPORT(Bravo, same, HL_T_U32, HL_T_U32);
HL_EXPORT(Xray, same, HL_T_F32, HL_T_F32);
HL_EXPORT(Charlie, same, HL_T_I64, HL_T_I64);
HL_EXPORT(Whiskey, same, HL_T_I32, HL_T_I32);
HL_EXPORT(Delta, same, HL_T_U32, HL_T_U32);
