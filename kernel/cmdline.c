/* Kernel command line: words separated by spaces, each `name` or `name=value`. */
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/string.h"

extern const struct cmdline_param __cmdline_params_start[], __cmdline_params_end[];

static char saved[1024];

const char *cmdline_get(void)
{
	return saved;
}

static const struct cmdline_param *find_param(const char *name)
{
	for (const struct cmdline_param *p = __cmdline_params_start; p < __cmdline_params_end; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

int cmdline_parse(const char *cmdline)
{
	char work[sizeof(saved)];
	char *argv[64];
	int warnings = 0;

	strlcpy(saved, cmdline, sizeof(saved));
	strlcpy(work, cmdline, sizeof(work));
	int argc = split_args(work, argv, ARRAY_SIZE(argv));
	if (argc < 0) {
		pr_warn("cmdline: too many parameters; only the first %zu are used\n", ARRAY_SIZE(argv));
		argc = ARRAY_SIZE(argv);
		warnings++;
	}
	for (int i = 0; i < argc; i++) {
		char *val = strchr(argv[i], '=');
		if (val)
			*val = '\0';
		const struct cmdline_param *p = find_param(argv[i]);
		if (!p) {
			if (val)
				*val = '=';
			pr_warn("cmdline: unknown parameter '%s' (ignored)\n", argv[i]);
			warnings++;
			continue;
		}
		if (val)
			val++;
		int err = p->set(val);
		if (err < 0) {
			pr_warn("cmdline: bad value for %s%s%s: %s%s%s%s%s (ignored)\n", argv[i],
				val ? "=" : "", val ? val : "", errname(err), p->valid ? ": " : "",
				p->valid ? p->name : "", p->valid ? " takes " : "", p->valid ? p->valid : "");
			warnings++;
		}
	}
	return warnings;
}
