/* crash [null|gp|ud]: faults on purpose, so the report of a program's fault and the shell's survival
 * can be seen and tested. null writes to address 0 (#PF), gp reads a non-canonical address (#GP), ud
 * runs an undefined instruction (#UD). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/app.h"

static int crash_main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "null";

	if (argc > 2 || (strcmp(how, "null") && strcmp(how, "gp") && strcmp(how, "ud"))) {
		fprintf(stderr, "usage: crash [null|gp|ud]\n");
		return 2;
	}
	printf("crash: %s\n", how);
	fflush(stdout);
	if (!strcmp(how, "null"))
		*(volatile uint64_t *)0 = 0xdead; /* cppcheck-suppress nullPointer */
	else if (!strcmp(how, "gp"))
		(void)*(volatile uint64_t *)0x8000000000000000ULL;
	else
		__asm__ __volatile__("ud2");
	printf("crash: still running\n");
	return 1;
}
APP(crash, "crash", "crash [null|gp|ud]: fault on purpose (#PF, #GP, #UD)", crash_main);
