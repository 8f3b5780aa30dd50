/* lib/json.c: streaming JSON writer. */
#include "json.h"

#include "fmt.h"

void
json_init(struct json *j, char *buf, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = cap;
}

void
json_init_members(struct json *j, char *buf, size_t cap)
{
	json_init(j, buf, cap);
	j->depth = 1;
	j->need_comma[0] = false;
}

void
json_resume_members(struct json *j, char *buf, size_t cap, size_t len)
{
	json_init_members(j, buf, cap);
	j->len = len < cap ? len : cap;
	j->need_comma[0] = j->len > 0;
}

static inline bool
json_room(struct json *j, size_t n);
static void json_put(struct json *j, const char *s, size_t n);

void
json_members(struct json *j, const char *frag, size_t len)
{
	if (len == 0 || j->depth == 0)
		return;
	if (j->need_comma[j->depth - 1])
		json_put(j, ",", 1);
	json_put(j, frag, len);
	j->need_comma[j->depth - 1] = true;
}

static inline bool
json_room(struct json *j, size_t n)
{
	if (j->overflow)
		return false;
	if (j->cap - j->len < n) {
		j->overflow = true;
		return false;
	}
	return true;
}

static void
json_put(struct json *j, const char *s, size_t n)
{
	if (!json_room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static inline void
json_putc(struct json *j, char c)
{
	if (!json_room(j, 1))
		return;
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

/* Bytes that go out as they are: printable ASCII but '"' and '\\'.
 * A bitmap of the 128 ASCII codes (0x20-0x7e, less 0x22 and 0x5c). */
static const uint64_t json_plain[2] = {
	0xfffffffb00000000ULL, 0x7fffffffefffffffULL,
};

static inline bool
json_is_plain(unsigned c)
{
	return c < 128 && (json_plain[c >> 6] >> (c & 63) & 1);
}

/* True if none of the 8 bytes at p needs escaping: no byte below 0x20 or
 * above 0x7e, no '"', no '\\' (word-at-a-time tests, no alignment). */
static inline bool
json_plain_word(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t q, b;

	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((x - ones * 0x20) | (x + ones * 0x01) | (q - ones) |
	    (b - ones) | x) & high) == 0;
}

static inline bool
json_plain8(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return json_plain_word(x);
}

/* Length of the leading run of s[0..n) that needs no escaping. */
static size_t
json_plain_run(const unsigned char *u, size_t n)
{
	size_t i = 0;

	while (n - i >= 8 && json_plain8(u + i))
		i += 8;
	while (i < n && json_is_plain(u[i]))
		i++;
	return i;
}

static void
json_escaped(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	json_putc(j, '"');
	while (i < n) {
		size_t run = json_plain_run(u + i, n - i), ul;
		unsigned c;

		json_put(j, s + i, run);
		i += run;
		if (i == n)
			break;
		c = u[i];
		ul = c >= 0x80 ? utf8_len(u + i, n - i) : 0;
		if (ul > 0) {
			json_put(j, s + i, ul);
			i += ul;
			continue;
		}
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
	json_putc(j, '"');
}

void
json_open_v(struct json *j, char c)
{
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
json_obj_close(struct json *j)
{
	json_close(j, '}');
}

void
json_arr_close(struct json *j)
{
	json_close(j, ']');
}

void
json_strn_v(struct json *j, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *p;
	size_t i = 0;

	/* Common case: nothing to escape.  Copy a word at a time, checking
	 * each as it goes; at the first byte that needs escaping, start
	 * again the slow way (it writes over what was copied). */
	if (!json_room(j, n + 2))
		return;
	p = j->buf + j->len;
	*p++ = '"';
	for (; n - i >= 8; i += 8) {
		uint64_t x;

		memcpy(&x, u + i, 8);
		if (!json_plain_word(x))
			goto escape;
		memcpy(p + i, &x, 8);
	}
	for (; i < n; i++) {
		if (!json_is_plain(u[i]))
			goto escape;
		p[i] = s[i];
	}
	p[n] = '"';
	j->len += n + 2;
	return;
escape:
	json_escaped(j, s, n);
}

void
json_u64_v(struct json *j, uint64_t v)
{
	char tmp[20], *d = fmt_digits(tmp, v);

	json_put(j, d, (size_t)(tmp + 20 - d));
}

void
json_i64_v(struct json *j, int64_t v)
{
	uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	char tmp[21], *d = fmt_digits(tmp + 1, u);

	if (v < 0)
		*--d = '-';
	json_put(j, d, (size_t)(tmp + 21 - d));
}

void
json_fixed_v(struct json *j, int64_t v, unsigned decimals)
{
	char tmp[48];
	struct fmt f = fmt_init(tmp, sizeof(tmp));
	uint64_t scale = 1, u;

	if (decimals > 18)
		decimals = 18;
	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	if (v < 0)
		fmt_char(&f, '-');
	fmt_u64(&f, u / scale);
	if (decimals > 0) {
		fmt_char(&f, '.');
		fmt_u64_pad(&f, u % scale, decimals);
	}
	json_put(j, tmp, fmt_end(&f));
}

void
json_flag_names(struct json *j, const char *key, uint32_t bits,
    const char *const *names, size_t n_names)
{
	if (bits == 0)
		return;
	json_arr_open(j, key);
	for (size_t i = 0; i < n_names && i < 32; i++)
		if ((bits >> i & 1) && names[i] != NULL)
			json_str(j, NULL, names[i]);
	json_arr_close(j);
}

void
json_anomalies(struct json *j, const char *key, uint32_t bits,
    const char *const *names, size_t n_names)
{
	for (size_t i = 0; i < n_names && i < 32; i++)
		if ((bits >> i & 1) && names[i] != NULL)
			j->n_anomalies++;
	json_flag_names(j, key, bits, names, n_names);
}

void
json_raw(struct json *j, const char *key, const char *val, size_t len)
{
	json_key_k(j, key, json_klen(key));
	json_put(j, val, len);
}

void
json_bool_v(struct json *j, bool v)
{
	if (v)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
}

void
json_null_v(struct json *j)
{
	json_put(j, "null", 4);
}

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian),
 * by 400-year eras: no libc, no locale, no time zone. */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static inline void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void
json_time_us_v(struct json *j, uint64_t us)
{
	/* The date and time of the last second written by this thread:
	 * records come in time order, so most times share it. */
	static _Thread_local uint64_t last_sec = UINT64_MAX;
	static _Thread_local char last[20];
	uint64_t sec = us / 1000000;
	unsigned frac = (unsigned)(us % 1000000);
	/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ", quotes included: digits and
	 * punctuation only, so written as it is, without the escape scan. */
	char b[30] = "\"0000-00-00T00:00:00.000000Z\"";

	if (sec != last_sec) {
		unsigned sod = (unsigned)(sec % 86400), mon, day;
		int64_t year;

		civil_from_days((int64_t)(sec / 86400), &year, &mon, &day);
		if (year < 0 || year > 9999)
			year = 9999;
		put2(b + 1, (unsigned)(year / 100));
		put2(b + 3, (unsigned)(year % 100));
		put2(b + 6, mon);
		put2(b + 9, day);
		put2(b + 12, sod / 3600);
		put2(b + 15, sod / 60 % 60);
		put2(b + 18, sod % 60);
		memcpy(last, b + 1, sizeof(last));
		last_sec = sec;
	} else {
		memcpy(b + 1, last, sizeof(last));
	}
	for (int i = 26; i >= 21; i--, frac /= 10)
		b[i] = (char)('0' + frac % 10);
	json_put(j, b, 29);
}

size_t
json_finish(struct json *j)
{
	json_putc(j, '\n');
	if (j->overflow || j->bad_nesting || j->depth != 0)
		return 0;
	return j->len;
}
