/* KVM suite: hlrun(1)'s DIAGNOSTICS show messages hlrun prints.  Each example there
 * follows a comment line ".\" $ COMMAND" (continued on more such lines); this runs the
 * command in a directory where guests/ is the tree's, plugin.elf is hostileguest and
 * plugin.wasm a WebAssembly header, and its standard error must be the example's lines,
 * joined at their breaks, where "..." stands for any text. */
#include "tests/kvm/harness.h"

#include <fnmatch.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR "build/docs-test"
#define MAX_EXAMPLES 32

struct example {
	char cmd[512];
	char want[1024]; /* an fnmatch(3) pattern */
	int line;        /* of the command in the page */
};

/* Appends text to pattern p (cap bytes), its glob characters escaped and "..." as '*'. */
static void append_pattern(char *p, size_t cap, const char *text)
{
	size_t n = strlen(p);

	while (*text != '\0' && n + 3 < cap) {
		if (strncmp(text, "...", 3) == 0) {
			p[n++] = '*';
			text += 3;
			continue;
		}
		if (strchr("*?[\\", *text) != NULL)
			p[n++] = '\\';
		p[n++] = *text++;
	}
	cr_assert(*text == '\0', "an example of hlrun(1) is too long");
	p[n] = '\0';
}

/* The examples of DIAGNOSTICS, each with its command. */
static int read_examples(struct example *ex)
{
	FILE *f = fopen("man/hlrun.1", "r");
	char line[512];
	bool in = false, block = false;
	int n = 0, lineno = 0;

	cr_assert_not_null(f, "man/hlrun.1: %s", strerror(errno));
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".Sh ", 4) == 0)
			in = strcmp(line, ".Sh DIAGNOSTICS") == 0;
		if (!in)
			continue;
		if (strncmp(line, ".Bd -literal", 12) == 0 || strcmp(line, ".Ed") == 0) {
			block = line[1] == 'B';
		} else if (block && strncmp(line, ".\\\" $ ", 6) == 0) {
			/* A command, or the next line of one that has no message yet. */
			if (n == 0 || ex[n - 1].want[0] != '\0') {
				cr_assert_lt(n, MAX_EXAMPLES);
				ex[n++] = (struct example){ .line = lineno };
			} else {
				strcat(ex[n - 1].cmd, "\n");
			}
			cr_assert_lt(strlen(ex[n - 1].cmd) + strlen(line), sizeof ex->cmd);
			strcat(ex[n - 1].cmd, line + 6);
		} else if (block && strncmp(line, "hlrun: ", 7) == 0) {
			cr_assert(n > 0 && ex[n - 1].want[0] == '\0',
				  "man/hlrun.1:%d: an example without its command", lineno);
			append_pattern(ex[n - 1].want, sizeof ex->want, line);
		} else if (block && strncmp(line, "    ", 4) == 0 && n > 0) {
			append_pattern(ex[n - 1].want, sizeof ex->want, " ");
			append_pattern(ex[n - 1].want, sizeof ex->want, line + 4);
		}
	}
	fclose(f);
	return n;
}

static void make_dir(void)
{
	static const char wasm[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	FILE *f;

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	unlink(DIR "/guests");
	unlink(DIR "/plugin.elf");
	cr_assert_eq(symlink("../../guests", DIR "/guests"), 0, "%s", strerror(errno));
	cr_assert_eq(symlink("../../tests/guests/bin/hostileguest.elf", DIR "/plugin.elf"), 0,
		     "%s", strerror(errno));
	f = fopen(DIR "/plugin.wasm", "wb");
	cr_assert_not_null(f);
	cr_assert(fwrite(wasm, 1, sizeof wasm, f) == sizeof wasm && fclose(f) == 0);
}

Test(docs, diagnostics_examples_are_what_hlrun_prints)
{
	struct example ex[MAX_EXAMPLES];
	char bin[PATH_MAX], script[PATH_MAX + 1024];
	int n = read_examples(ex);

	cr_assert_geq(n, 10, "only %d examples in hlrun(1)'s DIAGNOSTICS", n);
	cr_assert_not_null(realpath(hlrun_bin(), bin), "%s: %s", hlrun_bin(), strerror(errno));
	/* hlrun(1) names the command hlrun: the binary under test comes first in PATH. */
	cr_assert_str_eq(strrchr(bin, '/'), "/hlrun");
	*strrchr(bin, '/') = '\0';
	make_dir();
	for (int i = 0; i < n; i++) {
		struct outcome o;
		size_t len;

		cr_assert(ex[i].want[0] != '\0', "man/hlrun.1:%d: a command without its example",
			  ex[i].line);
		snprintf(script, sizeof script, "cd " DIR " && PATH=\"%s:$PATH\" && %s", bin,
			 ex[i].cmd);
		o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", script, NULL });
		len = strlen(o.err);
		cr_assert(len > 0 && o.err[len - 1] == '\n' && strchr(o.err, '\n') == o.err + len - 1,
			  "man/hlrun.1:%d: %s: not one line: %s", ex[i].line, ex[i].cmd, o.err);
		o.err[len - 1] = '\0';
		cr_assert_eq(fnmatch(ex[i].want, o.err, 0), 0, "man/hlrun.1:%d: %s\nprints:  %s\n"
			     "the page: %s", ex[i].line, ex[i].cmd, o.err, ex[i].want);
		cr_assert_neq(o.status, 0, "man/hlrun.1:%d", ex[i].line);
		cr_assert_eq(o.out_len, 0, "man/hlrun.1:%d: %s", ex[i].line, o.out);
		outcome_free(&o);
	}
}
