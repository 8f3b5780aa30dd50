/* lib/opt.c: command-line values shared by fpsensor and fpsink. */
#include "opt.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "log.h"

int
opt_parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || !isdigit((unsigned char)s[0]) || *end != '\0' ||
	    v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t
opt_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (opt_parse_number(s, min, max, &v) != 0)
		fatalx(OPT_EXIT_USAGE, "--%s: '%s' is not a number from %"
		    PRIu64 " to %" PRIu64, opt, s, min, max);
	return v;
}
