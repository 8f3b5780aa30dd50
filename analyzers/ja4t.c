/* analyzers/ja4t.c: JA4T / JA4TS (FoxIO License 1.1). */
#include "analyzers/ja4t.h"

#include <stdio.h>

#include "cursor.h"

size_t
ja4t_format(uint16_t win, const uint8_t *opts, size_t len, char *dst,
    size_t dstsz)
{
	struct cursor c = cur_init(opts, len);
	char kinds[JA4T_STR_MAX];
	size_t k = 0;
	unsigned mss = 0, ws = 0;

	kinds[0] = '\0';
	while (cur_left(&c) > 0) {
		uint8_t kind = cur_u8(&c);
		int n = snprintf(kinds + k, sizeof(kinds) - k, "%s%u",
		    k ? "-" : "", kind);

		if (n < 0 || (size_t)n >= sizeof(kinds) - k)
			break;
		k += (size_t)n;
		if (kind == 0 || kind == 1)
			continue;
		uint8_t olen = cur_u8(&c);
		if (c.bad || olen < 2)
			break;
		struct cursor body = cur_sub(&c, olen - 2u);
		if (kind == 2 && olen == 4)
			mss = cur_be16(&body);
		else if (kind == 3 && olen == 3)
			ws = cur_u8(&body);
	}
	return (size_t)snprintf(dst, dstsz, "%u_%s_%u_%u", win, kinds, mss,
	    ws);
}
