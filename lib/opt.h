/* lib/opt.h: command-line values shared by fpsensor and fpsink. */
#ifndef FP_LIB_OPT_H
#define FP_LIB_OPT_H

#include <stdint.h>

#define OPT_EXIT_USAGE	64	/* EX_USAGE: bad command line or config */

/* The decimal number s for option --opt, in [min, max]; anything else
 * (sign, trailing text, overflow) exits OPT_EXIT_USAGE with a message
 * naming the option, the value and the range. */
/* The same check without exiting: 0 and *out set, or -1. */
int		opt_parse_number(const char *s, uint64_t min, uint64_t max,
		    uint64_t *out);

uint64_t	opt_number(const char *opt, const char *s, uint64_t min,
		    uint64_t max);

#endif
