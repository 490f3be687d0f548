/* hlrun: run one function of an untrusted guest ELF in a KVM micro-VM. */
#include <stdio.h>
#include <string.h>

#define HLRUN_VERSION "0.1.0"

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("hlrun %s\n", HLRUN_VERSION);
		return fclose(stdout) == 0 ? 0 : 125;
	}
	fprintf(stderr, "usage: hlrun [OPTIONS] GUEST FUNCTION [ARG...]\n");
	return 2;
}
