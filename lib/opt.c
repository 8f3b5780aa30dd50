/* lib/opt.c: command-line values shared by fpsensor and fpsink. */
#include "opt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "log.h"

uint64_t
opt_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max)
		fatalx(OPT_EXIT_USAGE, "--%s: '%s' is not a number from %"
		    PRIu64 " to %" PRIu64, opt, s, min, max);
	return v;
}
