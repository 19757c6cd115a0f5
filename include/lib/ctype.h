/* Character classes for the "C" locale. On the host the C library's <ctype.h> is used instead (its
 * names are macros there, so both cannot be visible at once). */
#ifndef LIB_CTYPE_H
#define LIB_CTYPE_H

#if defined(HOST_BUILD)
#include <ctype.h>
#else

static inline int isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int isxdigit(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

static inline int isprint(int c)
{
	return c >= 0x20 && c < 0x7f;
}

static inline int tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static inline int toupper(int c)
{
	return (c >= 'a' && c <= 'z') ? c - ('a' - 'A') : c;
}

#endif
#endif
