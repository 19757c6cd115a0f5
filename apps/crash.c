/* crash [null|gp|ud|stack]: faults on purpose, so the report of a program's fault and the shell's
 * survival can be seen and tested. null writes to address 0 (#PF), gp reads a non-canonical address
 * (#GP), ud runs an undefined instruction (#UD), stack recurses until it runs off its stack. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/app.h"

/* Each level keeps 256 bytes live across the call, so the compiler can turn none of it into a loop. */
static int recurse(unsigned depth, unsigned limit)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth >= limit)
		return frame[0];
	return recurse(depth + 1, limit) + frame[0];
}

static int crash_main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "null";

	if (argc > 2 ||
	    (strcmp(how, "null") && strcmp(how, "gp") && strcmp(how, "ud") && strcmp(how, "stack"))) {
		fprintf(stderr, "usage: crash [null|gp|ud|stack]\n");
		return 2;
	}
	printf("crash: %s\n", how);
	fflush(stdout);
	if (!strcmp(how, "null"))
		*(volatile uint64_t *)0 = 0xdead; /* cppcheck-suppress nullPointer */
	else if (!strcmp(how, "stack"))
		printf("crash: depth %d\n", recurse(0, 1u << 30));
	else if (!strcmp(how, "gp"))
		(void)*(volatile uint64_t *)0x8000000000000000ULL;
	else
		__asm__ __volatile__("ud2");
	printf("crash: still running\n");
	return 1;
}
APP(crash, "crash", "crash [null|gp|ud|stack]: fault on purpose (#PF, #GP, #UD, stack overflow)", crash_main);
