/* The serial shell: reads a line with echo and editing (backspace, left/right, Home/End, ^A/^E, ^U,
 * history on up/down, tab completion of command names), runs the command registered under its
 * first word (SHELL_COMMAND, include/kernel/shell.h). Log lines that arrive while it waits are put on
 * a line of their own and the prompt with the partial input is drawn again. */
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/idle.h"
#include "kernel/printk.h"
#include "kernel/shell.h"
#include "kernel/timer.h"
#include "lib/printf.h"
#include "lib/string.h"

#define PROMPT	       "hotmem> "
#define SHELL_LINE_MAX 256
#define SHELL_ARGS_MAX 16

extern const struct shell_command __shell_cmds_start[], __shell_cmds_end[];

static char input[SHELL_LINE_MAX];
static size_t input_len;
static bool waiting;	  /* reading a line */
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

/* ---- the line editor ----
 * input[0, input_len) is the line, the cursor sits before input[cursor]. The terminal's cursor is kept
 * where ours is: moving left is a backspace, moving right writes the character passed over. */

#define HISTORY 16

static size_t cursor;
static char history[HISTORY][SHELL_LINE_MAX];
static unsigned hist_len;  /* entries kept (the newest at (hist_next - 1) % HISTORY) */
static unsigned hist_next; /* where the next line goes */

static void back(size_t n)
{
	while (n--)
		console_write("\b", 1);
}

/* printk's console hook, called before a log line goes to the console. A line that arrives while the
 * prompt is on screen moves to a line of its own; the prompt (with what was typed) is drawn again once
 * the burst of log lines is over, i.e. the next time read_line looks for input. */
static void before_log_line(void)
{
	if (waiting && prompt_shown) {
		console_write("\n", 1);
		prompt_shown = false;
	}
}

static void draw_prompt(void)
{
	console_write(PROMPT, sizeof(PROMPT) - 1);
	console_write(input, input_len);
	back(input_len - cursor);
	prompt_shown = true;
}

/* Replaces the whole line with text (history): erase what is shown, write the new one. */
static void set_line(const char *text)
{
	size_t old = input_len, n = strnlen(text, SHELL_LINE_MAX - 1);

	back(cursor);
	memcpy(input, text, n);
	input_len = cursor = n;
	console_write(input, n);
	for (size_t i = n; i < old; i++)
		console_write(" ", 1);
	back(old > n ? old - n : 0);
}

/* Inserts c at the cursor and redraws the rest of the line. False when the line is full. */
static bool insert_char(char c)
{
	if (input_len >= SHELL_LINE_MAX - 1)
		return false;
	memmove(input + cursor + 1, input + cursor, input_len - cursor);
	input[cursor] = c;
	input_len++;
	console_write(input + cursor, input_len - cursor);
	cursor++;
	back(input_len - cursor);
	return true;
}

/* Deletes the character before the cursor (backspace) or under it (delete). */
static void delete_char(bool before)
{
	if (before) {
		if (!cursor)
			return;
		cursor--;
		console_write("\b", 1);
	} else if (cursor == input_len) {
		return;
	}
	memmove(input + cursor, input + cursor + 1, input_len - cursor - 1);
	input_len--;
	console_write(input + cursor, input_len - cursor);
	console_write(" ", 1);
	back(input_len - cursor + 1);
}

static void move_to(size_t pos)
{
	if (pos < cursor)
		back(cursor - pos);
	else
		console_write(input + cursor, pos - cursor);
	cursor = pos;
}

/* Up (older, dir -1) or down (newer, +1) through the history; *pos is 0 for the line being typed,
 * k for the k-th newest entry. */
static void history_step(int dir, unsigned *pos)
{
	unsigned want = *pos + (dir < 0 ? 1 : (unsigned)-1);

	if ((dir < 0 && *pos >= hist_len) || (dir > 0 && *pos == 0))
		return;
	*pos = want;
	set_line(want ? history[(hist_next + HISTORY - want) % HISTORY] : "");
}

static void history_add(void)
{
	const char *newest = history[(hist_next + HISTORY - 1) % HISTORY];

	if (!input_len || (hist_len && strcmp(newest, input) == 0))
		return;
	strlcpy(history[hist_next], input, SHELL_LINE_MAX);
	hist_next = (hist_next + 1) % HISTORY;
	if (hist_len < HISTORY)
		hist_len++;
}

/* Tab: completes the command name being typed (the first word, cursor at its end). One match is
 * completed with a space after it; several are extended to their common prefix, and a second tab
 * lists them. */
static void complete(bool list)
{
	const struct shell_command *first = NULL;
	size_t common = 0;
	unsigned matches = 0;

	if (cursor != input_len || memchr(input, ' ', input_len))
		return;
	for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++) {
		if (strncmp(c->name, input, input_len) != 0)
			continue;
		if (!first) {
			first = c;
			common = strlen(c->name);
		} else {
			size_t i = input_len;
			while (i < common && c->name[i] == first->name[i])
				i++;
			common = i;
		}
		matches++;
	}
	if (!matches)
		return;
	for (size_t i = input_len; i < common; i++)
		insert_char(first->name[i]);
	if (matches == 1) {
		insert_char(' ');
		return;
	}
	if (!list || common > input_len)
		return;
	console_write("\n", 1);
	for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		if (strncmp(c->name, input, input_len) == 0)
			shell_printf("%s  ", c->name);
	console_write("\n", 1);
	draw_prompt();
}

/* An escape sequence: ESC [ or ESC O, parameter bytes, a final byte. Arrows, Home, End and Delete
 * edit; every other sequence is read whole and ignored. Returns the final byte (0 if none came). */
static int read_escape(char *param, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = console_getc()) < 0)
		idle_wait();
	if (c != '[' && c != 'O')
		return 0; /* a lone ESC: the next byte is ordinary input, dropped with it */
	for (;;) {
		while ((c = console_getc()) < 0)
			idle_wait();
		if (c >= 0x40 && c <= 0x7e)
			break;
		if (n + 1 < size)
			param[n++] = (char)c;
	}
	param[n] = 0;
	return c;
}

static void edit_escape(unsigned *hist_pos)
{
	char param[8];

	switch (read_escape(param, sizeof(param))) {
	case 'A':
		history_step(-1, hist_pos);
		break;
	case 'B':
		history_step(1, hist_pos);
		break;
	case 'C':
		if (cursor < input_len)
			move_to(cursor + 1);
		break;
	case 'D':
		if (cursor > 0)
			move_to(cursor - 1);
		break;
	case 'H':
		move_to(0);
		break;
	case 'F':
		move_to(input_len);
		break;
	case '~': /* ESC [ n ~: 1 and 7 Home, 4 and 8 End, 3 Delete */
		if (!strcmp(param, "1") || !strcmp(param, "7"))
			move_to(0);
		else if (!strcmp(param, "4") || !strcmp(param, "8"))
			move_to(input_len);
		else if (!strcmp(param, "3"))
			delete_char(false);
		break;
	default:
		break;
	}
}

static const struct shell_command *find_command(const char *name)
{
	for (const struct shell_command *c = __shell_cmds_start; c < __shell_cmds_end; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* A command whose usage is its name alone takes no arguments: the shell refuses extra words for it
 * (`poweroff now` would otherwise power off), the way commands with arguments refuse bad ones. */
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
	if (argc > 1 && strcmp(c->usage, c->name) == 0)
		return shell_error(argv[0], -EINVAL, "takes no arguments ('%s'); usage: %s", argv[1],
				   c->usage);
	return c->fn(argc, argv);
}

/* Reads one line into input[]; returns its length. */
static size_t read_line(void)
{
	static bool last_cr;
	bool too_long = false, last_tab = false;
	unsigned hist_pos = 0;

	input_len = cursor = 0;
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
		bool tab = c == '\t';
		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			break;
		} else if (c == 0x08 || c == 0x7f) { /* backspace, delete */
			delete_char(true);
		} else if (c == 0x15) { /* ^U: erase the line */
			too_long = false;
			set_line("");
		} else if (c == 0x03) { /* ^C: abandon the line */
			console_write("^C\n", 3);
			input_len = cursor = 0;
			too_long = false;
			break;
		} else if (c == 0x1b) {
			edit_escape(&hist_pos);
		} else if (c == 0x01) { /* ^A, ^E: start and end of the line */
			move_to(0);
		} else if (c == 0x05) {
			move_to(input_len);
		} else if (tab) {
			complete(last_tab);
		} else if (c >= 0x20 && c <= 0x7e && !insert_char((char)c)) {
			too_long = true;
		}
		last_tab = tab;
	}
	waiting = false;
	prompt_shown = false;
	if (too_long) { /* a command cut short could be another command */
		shell_error("shell", -E2BIG, "line too long (at most %d characters); nothing run",
			    SHELL_LINE_MAX - 1);
		input_len = 0;
	}
	input[input_len] = '\0';
	history_add();
	return input_len;
}

void shell_run(void)
{
	char line[SHELL_LINE_MAX];

	printk_set_console_hook(before_log_line);
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

/* Nanoseconds for scripts (against the host's clock), seconds for people. */
static int cmd_uptime(int argc, char **argv)
{
	if (argc > 1) {
		shell_printf("uptime: error: takes no argument; usage: uptime\n");
		return -EINVAL;
	}
	u64 ns = ktime_ns();
	shell_printf("uptime: %llu ns (%llu.%03llu s)\n", ns, ns / NSEC_PER_SEC, ns / NSEC_PER_MSEC % 1000);
	return 0;
}
SHELL_COMMAND(uptime, "uptime", "uptime", "time since the clock started, from the calibrated TSC",
	      cmd_uptime);
