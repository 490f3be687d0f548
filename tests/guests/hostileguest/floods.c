/* hostileguest, floods: output without end, a result larger than any buffer, and a race
 * with the host's file system. */
#include "hostile.h"

/* ---- Floods ------------------------------------------------------------------------- */

/* HostPrint of size bytes ('p's and a newline) forever, ignoring every refusal: only the
 * timeout ends it. */
static int print_flood(const struct hl_value *a, struct hl_value *r)
{
	static char line[65537];
	int32_t size = a[0].u.i32;

	(void)r;
	if (size < 1 || size > 65536)
		return hl_error(22, "PrintFlood: %d bytes, not 1 to 65536", size);
	memset(line, 'p', (size_t)size - 1);
	line[size - 1] = '\n';
	line[size] = '\0';
	for (;;)
		(void)hl_host_print(line);
	return 0;
}
HL_EXPORT(PrintFlood, print_flood, HL_T_VOID, HL_T_I32);

/* 8 MiB of bytes (the heap region itself) against a 4 MiB output buffer. */
static int huge_result(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	return hl_ret_bytes(r, (const void *)(uintptr_t)PEB->heap_addr, 8u << 20);
}
HL_EXPORT(HugeResult, huge_result, HL_T_BYTES);

/* ---- Races on the host --------------------------------------------------------------- */

/* ReadFile of path n times, while something on the host swaps a directory on that path
 * for a symbolic link: returns the first contents that are not want (what leaked), or
 * "ok N" with N the reads that succeeded. */
static int read_file_race(const struct hl_value *a, struct hl_value *r)
{
	const char *path = hl_arg_string(a, 0), *want = hl_arg_string(a, 1);
	size_t want_len = strlen(want);
	int32_t n = a[2].u.i32, ok = 0;
	static char report[32];

	for (int32_t i = 0; i < n; i++) {
		void *data;
		uint32_t len;

		if (hl_read_file(path, &data, &len) != 0)
			continue;
		if (len != want_len || memcmp(data, want, len) != 0)
			return hl_ret_bytes(r, data, len);
		free(data);
		ok++;
	}
	snprintf(report, sizeof report, "ok %d", ok);
	return hl_ret_string(r, report);
}
HL_EXPORT(ReadFileRace, read_file_race, HL_T_STRING, HL_T_STRING, HL_T_STRING, HL_T_I32);
