/* The hlrun guest SDK: export typed functions, return values or errors, call the host,
 * abort.  Build line and ABI: hlrun-guest(7).  Include this one header. */
#ifndef HLGUEST_H
#define HLGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hlguest_libc.h"
#include "hlrun_abi.h"
#include "hlwire.h"

/* A guest function: args holds the declared parameters (already checked against the
 * declared types), ret arrives with ret->type set to the declared return type.  Return 0
 * after filling ret (nothing for void), or the value of hl_error(). */
typedef int (*hl_handler)(const struct hl_value *args, struct hl_value *ret);

#define HL__NARGS(...) (sizeof((const uint8_t[]){ 0, ##__VA_ARGS__ }) - 1)

/* The export table lists a file's exports in the order of its source, and files in the
 * order they are linked: hlrun --list prints it so.  gcc emits top-level variables in an
 * order of its own unless they are marked no_reorder; clang has no such attribute and
 * needs none, as it emits each `used` variable where it is defined. */
#ifdef __has_attribute
#if __has_attribute(no_reorder)
#define HL__IN_SOURCE_ORDER __attribute__((no_reorder))
#endif
#endif
#ifndef HL__IN_SOURCE_ORDER
#define HL__IN_SOURCE_ORDER
#endif

/* Exports HANDLER under NAME (an identifier, at most 55 characters) with return type RET
 * and the parameter types that follow (HL_T_I32, HL_T_STRING, ...; at most 12), in the
 * ELF section hlrun reads without booting the guest. */
#define HL_EXPORT(NAME, HANDLER, RET, ...)                                              \
	HL__IN_SOURCE_ORDER                                                            \
	__attribute__((section(".hlrun.exports"), used, aligned(8)))                   \
	static const struct hl_export hl__export_##NAME = {                            \
		.name = #NAME,                                                         \
		.ret = (RET),                                                          \
		.nparams = HL__NARGS(__VA_ARGS__),                                     \
		.params = { __VA_ARGS__ },                                             \
		.fn = (uint64_t)(uintptr_t)(HANDLER),                                  \
	}

/* Argument accessors. */
static inline const char *hl_arg_string(const struct hl_value *args, unsigned i)
{
	return (const char *)args[i].data;
}

/* Sets a string or bytes result.  The data must stay valid until the handler returns
 * (an argument, static data or heap memory); it is copied into the output buffer. */
static inline int hl_ret_string(struct hl_value *ret, const char *s)
{
	ret->data = (const uint8_t *)s;
	ret->len = (uint32_t)strlen(s);
	return 0;
}

static inline int hl_ret_bytes(struct hl_value *ret, const void *p, uint32_t len)
{
	ret->data = p;
	ret->len = len;
	return 0;
}

/* Records an error value (code and printf-style message, truncated to 1 KiB) as the
 * function's outcome and returns the non-zero value a handler returns with it. */
int hl_error(int32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ends the call at once: the host reports an abort with this code and message (exit 4).
 * Codes from 0x7f000000 up are reserved for the runtime. */
__attribute__((noreturn)) void hl_abort(int32_t code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Calls host function name with args.  On success stores its result in *ret (strings
 * and bytes copied to the heap: free(ret->data) when done) and returns 0.  On failure
 * (denied, unknown, wrong types, failed, out of memory) returns non-zero; hl_last_error()
 * then describes it, and a handler may propagate it with hl_propagate(). */
int hl_call_host(const char *name, const struct hl_value *args, uint16_t nargs,
		 struct hl_value *ret);

/* The code and message of the last failed host call. */
int32_t hl_last_error(const char **message);

/* Makes the last failed host call this function's error value: return hl_propagate(); */
int hl_propagate(void);

/* HostPrint(string) -> i32: writes s to hlrun's standard output; returns the number of
 * bytes written, or -1 when the host refused (see hl_last_error()). */
int32_t hl_host_print(const char *s);

/* Typed wrappers of the other host functions.  Each is denied unless the manifest's
 * host_functions (or --allow) names it.  Each returns 0 on success, or non-zero with
 * hl_last_error() describing the failure (denied, refused, failed, out of memory), which
 * a handler may pass on with `return hl_propagate();`. */

/* GetTimeNs() -> u64: stores the host's monotonic clock, in nanoseconds, in *ns. */
int hl_get_time_ns(uint64_t *ns);

/* GetRandom(u32 n) -> bytes: fills buf (n bytes, the caller's) with random bytes from
 * the host's getrandom(2).  n is at most 65536, and the reply must fit the output
 * buffer. */
int hl_get_random(uint32_t n, void *buf);

/* GetEnv(string name) -> string: stores in *value the host's environment variable name,
 * which the manifest's env must list; a listed variable that is not set is an error.
 * *value is NUL-terminated heap memory: free() it when done. */
int hl_get_env(const char *name, char **value);

/* ReadFile(string path) -> bytes: reads a whole regular host file that lies inside the
 * manifest's files, `..` taken as written, with no symbolic link on its path below the
 * entry (hlrun-manifest(5)); the file must fit the output buffer.  Stores in *data heap memory holding *len bytes (and a NUL after them):
 * free() it when done. */
int hl_read_file(const char *path, void **data, uint32_t *len);

/* The file the host mapped under name for this call (hlrun --map NAME=PATH, or the
 * manifest's map): returns its first byte and stores its length in *size, or returns
 * NULL when no file is mapped under that name.  It is read-only (a write faults, and the
 * call ends with exit 4), not copied (only the pages read cost anything) and valid during
 * the call; the bytes after its end up to the page boundary read as 0.  During init no
 * file is mapped. */
const void *hl_mapped(const char *name, uint64_t *size);

/* Optional: defined by a guest that needs set-up before its first call.  Runs once,
 * during init, after the heap is ready. */
void hl_guest_init(void) __attribute__((weak));

#endif
