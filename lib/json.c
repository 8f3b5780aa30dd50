/* lib/json.c: streaming JSON writer. */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void
json_init(struct json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	if (j->overflow)
		return;
	if (j->cap - j->len < n) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static inline void
json_putc(struct json *j, char c)
{
	if (j->overflow)
		return;
	if (j->len == j->cap) {
		j->overflow = true;
		return;
	}
	j->buf[j->len++] = c;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void
json_escaped(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	json_putc(j, '"');
	while (i < n) {
		unsigned c = u[i];
		size_t ul = c >= 0x20 && c != '"' && c != '\\' ?
		    utf8_len(u + i, n - i) : 0;

		if (ul > 0) {
			i += ul;
			run += ul;
			continue;
		}
		json_put(j, s + i - run, run);
		run = 0;
		switch (c) {
		case '"':  json_put(j, "\\\"", 2); break;
		case '\\': json_put(j, "\\\\", 2); break;
		case '\n': json_put(j, "\\n", 2); break;
		case '\r': json_put(j, "\\r", 2); break;
		case '\t': json_put(j, "\\t", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };
			json_put(j, e, 6);
		}
		}
		i++;
	}
	json_put(j, s + i - run, run);
	json_putc(j, '"');
}

static void
json_key(struct json *j, const char *key)
{
	if (j->depth > 0 && j->need_comma[j->depth - 1])
		json_putc(j, ',');
	if (j->depth > 0)
		j->need_comma[j->depth - 1] = true;
	if (key != NULL) {
		json_escaped(j, key, strlen(key));
		json_putc(j, ':');
	}
}

static void
json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	json_putc(j, c);
	if (j->depth == JSON_MAX_DEPTH) {
		j->bad_nesting = true;
		return;
	}
	j->need_comma[j->depth++] = false;
}

static void
json_close(struct json *j, char c)
{
	if (j->depth == 0) {
		j->bad_nesting = true;
		return;
	}
	j->depth--;
	json_putc(j, c);
}

void
json_obj_open(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void
json_obj_close(struct json *j)
{
	json_close(j, '}');
}

void
json_arr_open(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void
json_arr_close(struct json *j)
{
	json_close(j, ']');
}

void
json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	json_key(j, key);
	json_escaped(j, s, n);
}

void
json_str(struct json *j, const char *key, const char *s)
{
	json_strn(j, key, s, strlen(s));
}

void
json_u64(struct json *j, const char *key, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	json_key(j, key);
	json_put(j, tmp + i, sizeof(tmp) - i);
}

void
json_i64(struct json *j, const char *key, int64_t v)
{
	if (v >= 0) {
		json_u64(j, key, (uint64_t)v);
		return;
	}
	json_key(j, key);
	json_putc(j, '-');
	/* Reuse the unsigned path without a key (no comma, no key). */
	uint64_t u = (uint64_t)(-(v + 1)) + 1;
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	json_put(j, tmp + i, sizeof(tmp) - i);
}

void
json_fixed(struct json *j, const char *key, int64_t v, unsigned decimals)
{
	char tmp[48];
	uint64_t scale = 1, u;
	int n;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	if (decimals == 0)
		n = snprintf(tmp, sizeof(tmp), "%s%" PRIu64, v < 0 ? "-" : "",
		    u);
	else
		n = snprintf(tmp, sizeof(tmp), "%s%" PRIu64 ".%0*" PRIu64,
		    v < 0 ? "-" : "", u / scale, (int)decimals, u % scale);
	json_key(j, key);
	json_put(j, tmp, (size_t)n);
}

void
json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	if (v)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
}

void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	json_put(j, "null", 4);
}

size_t
json_finish(struct json *j)
{
	json_putc(j, '\n');
	if (j->overflow || j->bad_nesting || j->depth != 0)
		return 0;
	return j->len;
}
