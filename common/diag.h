/* Errors as values: a class that decides the exit status, and one message. */
#ifndef COMMON_DIAG_H
#define COMMON_DIAG_H

#include <stddef.h>

/* Error classes.  cli/ maps each to one exit status (see hlrun(1), EXIT STATUS). */
enum hl_err {
	HL_OK = 0,
	HL_E_GUEST,    /* the guest function returned an error value */
	HL_E_USAGE,    /* bad command line or arguments */
	HL_E_INVALID,  /* the guest or its configuration is invalid */
	HL_E_CRASH,    /* the guest crashed or broke the protocol */
	HL_E_NOKVM,    /* this host cannot run VMs */
	HL_E_TIMEOUT,  /* the time limit elapsed */
	HL_E_INTERNAL, /* a bug or an unexpected system failure in hlrun */
	HL_E_INTERRUPTED, /* SIGINT stopped the guest */
	HL_E_TERMINATED,  /* SIGTERM stopped the guest */
};

#define HL_DIAG_MSG 512

/* Filled by the function that fails; callers pass it down and print it once. */
struct hl_diag {
	enum hl_err err;
	char msg[HL_DIAG_MSG];
};

/* Records err and a printf-style message in d (which may be NULL) and returns err.  A
 * message that does not fit is cut, and ends with "..." to say so. */
enum hl_err hl_fail(struct hl_diag *d, enum hl_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Text from a guest or a file, quoted in a message, is cut at HL_QUOTE_MAX bytes so that
 * the message keeps its end. */
#define HL_QUOTE_MAX 200

/* Copies s into out, cut at HL_QUOTE_MAX bytes and with each byte other than printable
 * ASCII replaced by '?' (the text ends up on a terminal); returns out. */
const char *hl_quote(const char *s, char out[HL_QUOTE_MAX + 1]);

/* Prepends "prefix: " to the message already in d, cutting its end (marked "...") if
 * the whole does not fit; returns d->err. */
enum hl_err hl_prefix(struct hl_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
