/* String helpers the C library lacks or names differently: bounded copies and the splitting of
 * command lines into words (see include/lib/string.h). The rest of <string.h> is newlib's. */
#include "kernel/errno.h"
#include "lib/ctype.h"
#include "lib/string.h"

/* The kernel's strlcpy is newlib's; glibc has one only from 2.38 (Debian 12 ships 2.36). */
#ifdef HOST_BUILD
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
#endif

long strscpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (!size)
		return -E2BIG;
	len = strnlen(src, size);
	if (len == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, len + 1);
	return (long)len;
}

bool strstarts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *skip_spaces(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return (char *)s;
}

char *strim(char *s)
{
	size_t n;

	s = skip_spaces(s);
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

int split_args(char *line, char **argv, int max)
{
	int argc = 0;

	for (;;) {
		line = skip_spaces(line);
		if (!*line)
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = line;
		while (*line && !isspace((unsigned char)*line))
			line++;
		if (*line)
			*line++ = '\0';
	}
	if (argc < max)
		argv[argc] = NULL;
	return argc;
}
