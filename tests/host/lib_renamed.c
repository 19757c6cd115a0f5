/* kernel/lib/string.c and printf.c under hm_ names (see lib_renamed.h). Only the tests of those files
 * list this in host-srcs; everything else on the host uses the C library's versions. */
#define LIB_HOST_RENAMED
#define memcpy	  hm_memcpy
#define memmove	  hm_memmove
#define memset	  hm_memset
#define memcmp	  hm_memcmp
#define memchr	  hm_memchr
#define strlen	  hm_strlen
#define strnlen	  hm_strnlen
#define strcmp	  hm_strcmp
#define strncmp	  hm_strncmp
#define strchr	  hm_strchr
#define strrchr	  hm_strrchr
#define strstr	  hm_strstr
#define strspn	  hm_strspn
#define strcspn	  hm_strcspn
#define vsnprintf hm_vsnprintf
#define snprintf  hm_snprintf

#include "../../kernel/lib/string.c"
#include "../../kernel/lib/printf.c"
