/* args [ARGS]: prints its argv, one word a line, and checks that it starts with the data the image
 * gave it (a counter in .data and one in .bss, both changed by every run), as each run must. */
#include <stdio.h>

#include "kernel/app.h"

static int runs_data = 7; /* .data */
static int runs_bss;	  /* .bss */

static int args_main(int argc, char **argv)
{
	if (runs_data != 7 || runs_bss != 0) {
		printf("args: error: static data kept from an earlier run (%d, %d)\n", runs_data, runs_bss);
		return 1;
	}
	runs_data++;
	runs_bss++;
	printf("args: argc %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("args: argv[%d] '%s'\n", i, argv[i]);
	return argv[argc] == NULL ? 0 : 1;
}
APP(args, "args", "args [ARGS]: print argv, one word a line", args_main);
