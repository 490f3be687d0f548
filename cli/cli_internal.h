/* Private to cli/: the text conversion that command-line and batch arguments share,
 * UTF-8, and the JSON reader and writer of batch mode. */
#ifndef CLI_CLI_INTERNAL_H
#define CLI_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"

/* Converts the NUL-terminated text s to v->type (preset by the caller: an integer type,
 * f32, f64 or bool) as the command line does, for argument i (0-based) of e, or for
 * its result when i is -1.  Messages quote shown instead of s, so a caller can pass a
 * shortened, escaped form of hostile text.  Errors: HL_E_USAGE naming the argument (or
 * "result"), shown, the type and what it accepts. */
enum hl_err cli_convert_text(const struct hl_export *e, int i, const char *s,
			     const char *shown, struct hl_value *v, struct hl_diag *d);

/* Refuses data (argument i of e) that holds a NUL byte.  Errors: HL_E_USAGE naming the
 * argument and its declared type. */
enum hl_err cli_no_nul(const struct hl_export *e, int i, const uint8_t *data, size_t len,
		       struct hl_diag *d);

/* The error for a call of e with got arguments: HL_E_USAGE with e's signature. */
enum hl_err cli_wrong_count(const struct hl_export *e, size_t got, struct hl_diag *d);

/* Writes x into buf (len bytes with the NUL; CLI_SCALAR_MAX are always enough) in its
 * shortest decimal form that reads back as the same double, or float when single: plain
 * digits unless an exponent is shorter; "nan", "inf" or "-inf" otherwise. */
void cli_format_float(char *buf, size_t len, double x, bool single);

#define CLI_SCALAR_MAX 40

/* Writes a number or boolean v into buf (len bytes with the NUL; CLI_SCALAR_MAX are
 * always enough) as both modes print it: integers in decimal, floats as
 * cli_format_float(), "true" or "false".  Returns false, writing nothing, for the other
 * types. */
bool cli_format_scalar(char *buf, size_t len, const struct hl_value *v);

/* Whether a terminal or a text renderer acts on code point cp although it is valid
 * UTF-8: the C1 controls (CSI is U+009B) and the bidirectional overrides and isolates,
 * which reorder what is shown. */
bool cli_acts(uint32_t cp);

/* ---- UTF-8 ---------------------------------------------------------------------------- */

#define CLI_UTF8_MAX 4 /* bytes of the longest sequence */

/* The length of the well-formed UTF-8 sequence at s (n > 0 bytes there), 1 for ASCII,
 * and its code point in *cp (cp may be NULL); 0 for anything else: a stray continuation
 * byte, a truncated sequence, an overlong form, a surrogate, past U+10FFFF. */
size_t cli_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp);

/* Writes code point cp (at most U+10FFFF, no surrogate) as UTF-8 to out (room for
 * CLI_UTF8_MAX bytes); returns its length. */
size_t cli_utf8_put(uint8_t *out, uint32_t cp);

/* ---- JSON (RFC 8259), one line at a time ------------------------------------------- */

/* Most arrays and objects open at once; deeper lines are refused, so no walk over a
 * checked text needs more than this much state. */
#define JSON_MAX_DEPTH 16

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/* One value of a checked text: its kind and its bytes [start, end), quotes and brackets
 * included. */
struct json_span {
	enum json_kind kind;
	size_t start, end;
};

/* Checks that the len bytes at s are one JSON value with optional whitespace around it:
 * strings of valid UTF-8 without raw control characters, every escape (surrogates only
 * in pairs), numbers of JSON's grammar, nesting at most JSON_MAX_DEPTH.  Allocates
 * nothing.  Errors: HL_E_USAGE "line is not valid JSON: WHAT at byte N" (N counts from 1)
 * or "... at end of line". */
enum hl_err json_check(const char *s, size_t len, struct hl_diag *d);

/* The value that starts at s[pos] or after whitespace there, in a text json_check()
 * accepted. */
struct json_span json_at(const char *s, size_t len, size_t pos);

/* Steps through the members of an object or the elements of an array (*in, from a
 * checked text).  *pos is 0 before the first call and is updated by each.  Returns false
 * after the last; otherwise *val is the next value and, for an object, *key its key (key
 * may be NULL for an array). */
bool json_next(const char *s, size_t len, const struct json_span *in, size_t *pos,
	       struct json_span *key, struct json_span *val);

/* Decodes the string *str of a checked text into out, which has room for
 * str->end - str->start bytes (decoding never lengthens); returns the decoded length.
 * Adds no NUL. */
size_t json_decode(const char *s, const struct json_span *str, uint8_t *out);

/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *json_kind_name(enum json_kind kind);

/* How many bytes from s (n there) stand for themselves inside a JSON string: printable
 * ASCII but '"' and '\\'.  Reader and writer take such runs whole. */
size_t json_plain_len(const uint8_t *s, size_t n);

/* Writes the n bytes at s as the inside of a JSON string (no quotes) into buf, cap bytes
 * with the NUL, as json_put_string() would, stopping before a character that would not
 * fit.  Returns how many bytes of s were written (n when all fit). */
size_t json_escape(char *buf, size_t cap, const uint8_t *s, size_t n);

/* Room for json_excerpt()'s text: 40 bytes, escaped, then "..." and the NUL. */
#define JSON_EXCERPT 48

/* Writes into buf (JSON_EXCERPT bytes) at most 40 bytes of the n at t, escaped as inside
 * a JSON string, and "..." when cut: messages never carry control characters or much of
 * hostile text.  Returns buf. */
const char *json_excerpt(char *buf, const uint8_t *t, size_t n);

/* Writes the n bytes at s as a JSON string with its quotes: '"', '\' and control
 * characters escaped, valid UTF-8 as it is, and each byte that is not part of valid
 * UTF-8 as U+FFFD. */
void json_put_string(FILE *out, const uint8_t *s, size_t n);

/* Writes v as cli_print() prints it, so that every mode shows the same digits, in JSON:
 * strings escaped, bytes in base64, void as null.  JSON has no inf or nan: those
 * become the strings "inf", "-inf" and "nan". */
void json_put_value(FILE *out, const struct hl_value *v);

/* Writes the n bytes at s as a JSON string of standard, padded base64 (RFC 4648). */
void json_put_base64(FILE *out, const uint8_t *s, size_t n);

/* Decodes the n bytes of standard, padded base64 at s in place (the result is never
 * longer) into *len bytes.  Returns false for text that is not canonical base64: a
 * length that is not a multiple of 4 (*bad is n), or a character outside the alphabet,
 * misplaced padding or non-zero unused bits (*bad is that character's offset). */
bool json_unbase64(uint8_t *s, size_t n, size_t *len, size_t *bad);

/* ---- The host process's protocol (cli/bridge_reply.c) ------------------------------ */

/* Writes into *text (malloc'd, *len bytes) the line that asks for a call of e with args
 * (of e's types): {"id":ID,"function":NAME,"args":[...]} and a newline, each value as
 * json_put_value() writes it.  Errors: HL_E_INTERNAL. */
enum hl_err cli_bridge_request(uint64_t id, const struct hl_export *e,
			       const struct hl_value *args, char **text, size_t *len,
			       struct hl_diag *d);

/* Reads the len bytes at line (no newline) as the reply to request want, a call of e:
 * {"id":ID,"result":VALUE} with VALUE of e's return type (null for void), read as batch
 * mode reads arguments, into o->val, or {"id":ID,"error":TEXT} into o's error.  Data of
 * the value lives in o->owned.  A reply to an earlier request only sets *stale.
 * Errors: HL_E_USAGE saying what is wrong with the line, HL_E_INTERNAL. */
enum hl_err cli_bridge_reply(const char *line, size_t len, uint64_t want,
			     const struct hl_export *e, bool *stale, struct sbx_host_out *o,
			     struct hl_diag *d);

#endif
