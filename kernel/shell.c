/* The serial shell: reads a line with echo and backspace, runs the command registered under its
 * first word (SHELL_COMMAND, include/kernel/shell.h). Log lines that arrive while it waits are put on
 * a line of their own and the prompt with the partial input is drawn again. */
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/idle.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PROMPT "hotmem> "
#define SHELL_LINE_MAX 256
#define SHELL_ARGS_MAX 16

extern const struct shell_command __shell_cmds_start[], __shell_cmds_end[];

static char input[SHELL_LINE_MAX];
static size_t input_len;
static bool waiting;      /* reading a line */
static bool prompt_shown; /* the prompt and the input so far are on the console's last line */

void shell_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	console_write(buf, strnlen(buf, sizeof(buf)));
}

int shell_error(const char *cmd, int err, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	shell_printf("%s: error: %s\n", cmd, buf);
	return err < 0 ? err : -EINVAL;
}

/* Called by printk around a console line. A line that arrives while the prompt is on screen moves to
 * a line of its own; the prompt (with what was typed) is drawn again once the burst of log lines is
 * over, i.e. the next time read_line looks for input. */
void shell_console_begin(void)
{
	if (waiting && prompt_shown) {
		console_write("\n", 1);
		prompt_shown = false;
	}
}

void shell_console_end(void)
{
}

static void draw_prompt(void)
{
	console_write(PROMPT, sizeof(PROMPT) - 1);
	console_write(input, input_len);
	prompt_shown = true;
}

static const struct shell_command *find_command(const char *name)
{
	for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int shell_exec(char *line)
{
	char *argv[SHELL_ARGS_MAX + 1];
	int argc = split_args(line, argv, SHELL_ARGS_MAX);
	if (argc == 0)
		return 0;
	if (argc < 0)
		return shell_error(argv[0], -E2BIG, "too many arguments (at most %d words)", SHELL_ARGS_MAX);
	argv[argc] = NULL;
	const struct shell_command *c = find_command(argv[0]);
	if (!c)
		return shell_error(argv[0], -ENOENT, "unknown command (try 'help')");
	return c->fn(argc, argv);
}

/* Reads one line into input[]; returns its length. */
static size_t read_line(void)
{
	static bool last_cr;
	bool too_long = false;

	input_len = 0;
	waiting = true;
	draw_prompt();
	for (;;) {
		if (!prompt_shown)
			draw_prompt();
		int c = console_getc();
		if (c < 0) {
			idle_wait();
			continue;
		}
		if (c == '\n' && last_cr) { /* the LF of a CR LF pair */
			last_cr = false;
			continue;
		}
		last_cr = (c == '\r');
		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			break;
		}
		if (c == 0x08 || c == 0x7f) { /* backspace, delete */
			if (input_len > 0) {
				input_len--;
				console_write("\b \b", 3);
			}
			continue;
		}
		if (c == 0x15) { /* ^U: erase the line */
			too_long = false;
			while (input_len > 0) {
				input_len--;
				console_write("\b \b", 3);
			}
			continue;
		}
		if (c == 0x03) { /* ^C: abandon the line */
			console_write("^C\n", 3);
			input_len = 0;
			too_long = false;
			break;
		}
		if (c < 0x20 || c > 0x7e)
			continue;
		if (input_len >= SHELL_LINE_MAX - 1) {
			too_long = true;
			continue;
		}
		input[input_len++] = (char)c;
		console_write((char *)&input[input_len - 1], 1);
	}
	waiting = false;
	prompt_shown = false;
	if (too_long) { /* a command cut short could be another command */
		shell_error("shell", -E2BIG, "line too long (at most %d characters); nothing run",
			    SHELL_LINE_MAX - 1);
		input_len = 0;
	}
	input[input_len] = '\0';
	return input_len;
}

void shell_run(void)
{
	char line[SHELL_LINE_MAX];
	for (;;) {
		read_line();
		strlcpy(line, input, sizeof(line));
		shell_exec(line);
	}
}

/* Lists the commands in alphabetical order (the table is in link order): each round prints the
 * smallest name greater than the previous one. */
static int cmd_help(int argc, char **argv)
{
	const char *prev = "";
	for (;;) {
		const struct shell_command *next = NULL;
		for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
			if (strcmp(c->name, prev) > 0 && (!next || strcmp(c->name, next->name) < 0))
				next = c;
		if (!next)
			return 0;
		if (strlen(next->usage) > 34) /* a long usage gets a line of its own */
			shell_printf("  %s\n  %-34s %s\n", next->usage, "", next->help);
		else
			shell_printf("  %-34s %s\n", next->usage, next->help);
		prev = next->name;
	}
}
SHELL_COMMAND(help, "help", "help", "list the commands", cmd_help);

static int cmd_dmesg(int argc, char **argv)
{
	printk_dump_ring();
	return 0;
}
SHELL_COMMAND(dmesg, "dmesg", "dmesg", "print the kernel log ring", cmd_dmesg);
