/* `apps` lists the programs linked into the image, `run NAME [ARGS]` runs one (include/kernel/app.h,
 * INTERFACE.md "Applications"). */
#include "kernel/app.h"
#include "kernel/errno.h"
#include "kernel/shell.h"

static int cmd_apps(int argc, char **argv)
{
	for (const struct app *a = app_first(); a < app_end(); a++)
		shell_printf("%-12s %s\n", a->name, a->help);
	return 0;
}
SHELL_COMMAND(apps, "apps", "apps", "list the programs `run` starts", cmd_apps);

static int cmd_run(int argc, char **argv)
{
	const struct app *a;
	int status;

	if (argc < 2)
		return shell_error("run", -EINVAL, "usage: run NAME [ARGS] ('apps' lists the programs)");
	a = app_find(argv[1]);
	if (!a)
		return shell_error("run", -ENOENT, "no program '%s' (apps lists them)", argv[1]);
	status = app_run(a, argc - 1, argv + 1);
	if (status < 0)
		return shell_error("run", status, "%s: cannot start: %s", a->name,
				   status == -ENOMEM ? "no memory for its heap or thread"
						     : "a program is running");
	shell_printf("run: %s exited with status %d\n", a->name, status);
	return status ? -ECANCELED : 0;
}
SHELL_COMMAND(run, "run", "run NAME [ARGS]", "run a program (apps lists them); its exit status is printed",
	      cmd_run);
