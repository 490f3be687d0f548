/* The host/guest ABI of hlrun, defined once: guest memory layout, I/O ports, the export
 * table, the ABI note and the wire format.  Dependency-free: included by the guest SDK
 * (freestanding) and by the host.  Documented in hlrun-guest(7). */
#ifndef HLRUN_ABI_H
#define HLRUN_ABI_H

/* The port numbers are also used from assembly: plain integers, no C below them. */
#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* Bumped whenever anything below changes meaning; a guest built for another version is
 * refused by the host.  2: the guest runs in ring 3, ring 0 is the host's, and the ports
 * moved apart. */
#define HL_ABI_VERSION 2u

/* ---- Guest memory layout (guest virtual = guest physical for every guest page) ------- */

#define HL_PAGE_SIZE 4096u
/* Page 0 is never mapped: a null dereference faults. */
#define HL_PEB_ADDR 0x1000u        /* struct hl_peb, read-only to the guest */
#define HL_HOST_AREA 0x2000u       /* hlrun's ring 0: GDT, IDT, TSS, exception entry code
                                    * and stacks, supervisor-only (the guest can neither
                                    * read nor write it); nothing else is mapped below
                                    * HL_HOST_AREA_END */
#define HL_HOST_AREA_END 0x200000u
/* The guest's ELF segments must lie inside [HL_IMAGE_BASE, HL_IMAGE_BASE + HL_IMAGE_MAX). */
#define HL_IMAGE_BASE 0x200000u
#define HL_IMAGE_MAX (64u << 20)
/* Files the host maps into the guest (hlrun --map): read-only and not executable, each at
 * a 2 MiB-aligned address inside [HL_MAP_BASE, HL_MAP_END), above guest memory, with an
 * unmapped page after it; the PEB names them during each call. */
#define HL_MAP_BASE 0x800000000ull
#define HL_MAP_END 0x1000000000ull
#define HL_MAX_MAPS 16
#define HL_MAP_NAME_MAX 32 /* including the terminating NUL */

#ifndef __ASSEMBLER__
/* A file the host mapped for the call. */
struct hl_map {
	char name[HL_MAP_NAME_MAX]; /* [A-Za-z_][A-Za-z0-9_]*, NUL-padded */
	uint64_t addr;              /* its first byte */
	uint64_t size;              /* its length in bytes; the rest of its last page is 0 */
};

/* Written by the host before init; the guest only reads it.  The map table is filled in
 * before each call and empty during init: it was appended to the PEB without a new ABI
 * version, as a host that predates it leaves those bytes zero (no file mapped). */
struct hl_peb {
	uint32_t magic;            /* HL_PEB_MAGIC */
	uint32_t abi_version;      /* HL_ABI_VERSION */
	uint64_t input_addr;       /* call messages and host-call replies arrive here */
	uint64_t input_size;
	uint64_t output_addr;      /* results and host-call requests leave here */
	uint64_t output_size;
	uint64_t heap_addr;        /* malloc arena */
	uint64_t heap_size;
	uint64_t stack_top;        /* initial RSP; a guard page lies below stack_top - stack_size */
	uint64_t stack_size;
	uint64_t memory_size;      /* guest memory (the pages above are all inside it) */
	uint32_t nmaps;            /* entries of maps in use, at most HL_MAX_MAPS */
	uint32_t reserved;         /* 0 */
	struct hl_map maps[HL_MAX_MAPS];
};
#endif
#define HL_PEB_MAGIC 0x42455048u /* "HPEB" */

/* ---- How control leaves the guest: a 32-bit `out` to one of these ports ------------------
 * The guest runs in ring 3 with IOPL 0: the TSS's I/O permission bitmap opens exactly the
 * HL_PORT_COUNT ports from HL_PORT_FIRST, and any other port faults (#GP).  CPU exceptions
 * are the host's business: its own ring 0 reports them, the guest has no part in it. */

#define HL_PORT_FIRST 0x6c00
#define HL_PORT_COUNT 12
/* Init finished (EAX = dispatch entry address) or a call finished (EAX = 0): the result
 * message is in the output buffer. */
#define HL_PORT_DONE 0x6c00
/* A host-function call message is in the output buffer; the host replaces it with its
 * reply message (HL_MSG_REPLY or HL_MSG_ERROR) before the guest resumes.  The input
 * buffer, where the call's arguments live, is never touched during a call. */
#define HL_PORT_HOSTCALL 0x6c04
/* abort(): EAX = code; an HL_MSG_ABORT message (string value) is in the output buffer. */
#define HL_PORT_ABORT 0x6c08

/* ---- Guest entry --------------------------------------------------------------------- */
/* The ELF entry point runs once, in ring 3, with RDI = HL_PEB_ADDR and RSP =
 * peb.stack_top; it initialises the runtime and leaves through HL_PORT_DONE with the
 * dispatch address.  Each call then enters the dispatch address with the same RDI and a
 * fresh RSP.  x87 and SSE are enabled, and AVX and AVX-512 where the host's KVM offers
 * them (hlrun-guest(7), CPU). */

#ifndef __ASSEMBLER__
/* ---- Value types --------------------------------------------------------------------- */

enum hl_type {
	HL_T_VOID = 0, /* return type only */
	HL_T_I32 = 1,
	HL_T_U32 = 2,
	HL_T_I64 = 3,
	HL_T_U64 = 4,
	HL_T_F32 = 5,
	HL_T_F64 = 6,
	HL_T_BOOL = 7,
	HL_T_STRING = 8, /* bytes without NUL, NUL-terminated on the wire */
	HL_T_BYTES = 9,
};
#define HL_T_MAX HL_T_BYTES

/* ---- Export table: section .hlrun.exports, an array of these ------------------------ */

#define HL_NAME_MAX 56   /* including the terminating NUL */
#define HL_MAX_PARAMS 12
#define HL_MAX_EXPORTS 1024

struct hl_export {
	char name[HL_NAME_MAX];        /* [A-Za-z_][A-Za-z0-9_]*, NUL-padded */
	uint8_t ret;                   /* enum hl_type */
	uint8_t nparams;               /* <= HL_MAX_PARAMS */
	uint8_t params[HL_MAX_PARAMS]; /* enum hl_type, never HL_T_VOID; unused are 0 */
	uint8_t reserved[2];           /* 0 */
	uint64_t fn;                   /* guest address of the handler */
};
#define HL_EXPORTS_SECTION ".hlrun.exports"

/* ---- ABI note: a PT_NOTE with owner "hlrun", type HL_NOTE_ABI, desc = uint32 version -- */

#define HL_NOTE_NAME "hlrun"
#define HL_NOTE_ABI 1u

/* ---- Wire format ------------------------------------------------------------------------
 * A message is a header, a name (for calls), then values.  Every part starts at an 8-byte
 * aligned offset from the message start; all integers are little-endian.
 *   header  struct hl_msg_hdr
 *   name    name_len bytes, NUL, padding to 8
 *   value   struct hl_val_hdr, len bytes of data (+ NUL for strings), padding to 8
 * Scalars have fixed lengths: 4 (i32, u32, f32), 8 (i64, u64, f64), 1 (bool: 0 or 1). */

enum hl_msg_kind {
	HL_MSG_CALL = 1,     /* host -> guest: name + arguments */
	HL_MSG_RESULT = 2,   /* guest -> host: one value (none for void) */
	HL_MSG_ERROR = 3,    /* guest -> host: i32 code, string message */
	HL_MSG_HOSTCALL = 4, /* guest -> host: name + arguments */
	HL_MSG_REPLY = 5,    /* host -> guest: one value, or HL_MSG_ERROR */
	HL_MSG_ABORT = 6,    /* guest -> host: string message */
};

#define HL_MSG_MAGIC 0x314d4c48u /* "HLM1" */

struct hl_msg_hdr {
	uint32_t magic;
	uint32_t kind;     /* enum hl_msg_kind */
	uint32_t size;     /* whole message in bytes, header included */
	uint16_t name_len; /* bytes of the name, without its NUL; 0 when there is no name */
	uint16_t nvals;
};

struct hl_val_hdr {
	uint32_t type; /* enum hl_type */
	uint32_t len;  /* data bytes, without the NUL of a string */
};

#define HL_MAX_VALS 16

/* Abort codes the runtime itself uses (HL_PORT_ABORT); guest code uses codes below. */
#define HL_ABORT_PROTOCOL 0x7f000001   /* the call message could not be decoded */
#define HL_ABORT_NO_FUNCTION 0x7f000002 /* no export of that name or those types */
#define HL_ABORT_OUTPUT_FULL 0x7f000003 /* the result does not fit the output buffer */
#define HL_ABORT_HEAP 0x7f000004        /* the heap's bookkeeping is corrupt */

/* Error codes of HL_MSG_ERROR that the host itself produces for host calls. */
#define HL_ERR_HOST_DENIED 0x10001   /* host function not allowed */
#define HL_ERR_HOST_UNKNOWN 0x10002  /* no such host function */
#define HL_ERR_HOST_BADARGS 0x10003  /* wrong number or types of arguments */
#define HL_ERR_HOST_FAILED 0x10004   /* the host function failed */

#endif /* __ASSEMBLER__ */

#endif
