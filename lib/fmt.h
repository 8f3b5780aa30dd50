/* lib/fmt.h: a bounded string appender without printf.
 *
 * Record formatting runs once per flow and per fingerprint, so it avoids
 * the stdio machinery.  Like snprintf, an appender keeps counting past the
 * end of its buffer: fmt_end() returns the length the whole text needs and
 * the buffer holds as much of it as fits, NUL-terminated. */
#ifndef FP_LIB_FMT_H
#define FP_LIB_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fmt {
	char	*p;
	size_t	 size;		/* including the NUL */
	size_t	 len;		/* text length so far, maybe > size */
};

static inline struct fmt
fmt_init(char *buf, size_t size)
{
	struct fmt f = { buf, size, 0 };

	if (size > 0)
		buf[0] = '\0';
	return f;
}

/* Copy n bytes inline: the pieces here are short, and a call to memcpy
 * costs more than copying them.  Words at a time, the last word (or half
 * word) overlapping the one before; nothing is read outside src[0..n). */
static inline void
fmt_copy(char *dst, const char *src, size_t n)
{
	if (n >= 8) {
		size_t i = 0;

		for (; i + 8 <= n; i += 8)
			memcpy(dst + i, src + i, 8);
		if (i < n)
			memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i];
	}
}

static inline void
fmt_mem(struct fmt *f, const char *s, size_t n)
{
	if (f->len < f->size) {
		size_t room = f->size - 1 - f->len;

		fmt_copy(f->p + f->len, s, n < room ? n : room);
	}
	f->len += n;
}

static inline void
fmt_str(struct fmt *f, const char *s)
{
	fmt_mem(f, s, strlen(s));
}

static inline void
fmt_char(struct fmt *f, char c)
{
	if (f->len + 1 < f->size)
		f->p[f->len] = c;
	f->len++;
}

/* Decimal digits of v into the end of tmp[20]; returns the first digit. */
static inline char *
fmt_digits(char tmp[20], uint64_t v)
{
	char *d = tmp + 20;

	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return d;
}

/* v in decimal, written in place when it fits. */
static inline void
fmt_u64(struct fmt *f, uint64_t v)
{
	unsigned n = 1;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	if (f->len + n < f->size) {
		char *e = f->p + f->len + n;

		do {
			*--e = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		f->len += n;
		return;
	}
	char tmp[20], *d = fmt_digits(tmp, v);
	fmt_mem(f, d, (size_t)(tmp + 20 - d));
}

/* v in decimal, zero-padded to width digits (at most 20). */
static inline void
fmt_u64_pad(struct fmt *f, uint64_t v, unsigned width)
{
	char tmp[20], *d = fmt_digits(tmp, v);

	while ((unsigned)(tmp + 20 - d) < width && d > tmp)
		*--d = '0';
	fmt_mem(f, d, (size_t)(tmp + 20 - d));
}

/* The low `digits` nibbles of v in lower-case hex. */
static inline void
fmt_hex(struct fmt *f, uint64_t v, unsigned digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];

	if (digits > 16)
		digits = 16;
	for (unsigned i = 0; i < digits; i++)
		tmp[digits - 1 - i] = hex[(v >> (4 * i)) & 15];
	fmt_mem(f, tmp, digits);
}

/* NUL-terminate; returns the full text length (may exceed size - 1). */
static inline size_t
fmt_end(struct fmt *f)
{
	if (f->size > 0)
		f->p[f->len < f->size ? f->len : f->size - 1] = '\0';
	return f->len;
}

#endif
