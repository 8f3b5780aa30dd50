/* analyzers/ja4t.c: JA4T / JA4TS (FoxIO License 1.1). */
#include "analyzers/ja4t.h"

#include <stdbool.h>

#include "cursor.h"
#include "fmt.h"

size_t
ja4t_format(uint16_t win, const uint8_t *opts, size_t len, char *dst,
    size_t dstsz)
{
	struct cursor c = cur_init(opts, len);
	struct fmt f = fmt_init(dst, dstsz);
	unsigned mss = 0, ws = 0;
	bool first = true;

	fmt_u64(&f, win);
	fmt_char(&f, '_');
	while (cur_left(&c) > 0) {
		uint8_t kind = cur_u8(&c);

		if (!first)
			fmt_char(&f, '-');
		first = false;
		fmt_u64(&f, kind);
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
	fmt_char(&f, '_');
	fmt_u64(&f, mss);
	fmt_char(&f, '_');
	fmt_u64(&f, ws);
	return fmt_end(&f);
}
