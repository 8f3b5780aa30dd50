/* analyzers/ja4h.c: JA4H (FoxIO License 1.1), from a parsed request. */
#include "analyzers/ja4h.h"

#include <stdbool.h>
#include <string.h>

#include "analyzers/tls_fp.h"
#include "fmt.h"

/* Joined lists: every stored header name or cookie item plus a comma. */
#define LIST_SIZE	(HTTP_MAX_HEADERS * (HTTP_MAX_NAME + 1) + \
			 HTTP_COOKIE_SCRATCH + HTTP_MAX_COOKIES + 1)

struct list {
	char	buf[LIST_SIZE];
	size_t	len;
};

static void
list_add(struct list *l, const char *s, size_t n)
{
	/* LIST_SIZE holds every input the parsers can produce. */
	if (l->len + n + 2 > sizeof(l->buf))
		return;
	if (l->len > 0)
		l->buf[l->len++] = ',';
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* The first 12 hex digits of SHA-256 of l, "000000000000" when empty.
 * Lists of names go through tls_fp_hash12(), which remembers recent
 * inputs; a list holding cookie values is hashed without being kept. */
static void
hash12(const struct list *l, bool has_values, char out[13])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[32];

	if (!has_values) {
		(void)tls_fp_hash12(l->buf, l->len, out);
		return;
	}
	if (l->len == 0 || !tls_fp_sha256(l->buf, l->len, md)) {
		memcpy(out, "000000000000", 13);
		return;
	}
	for (int i = 0; i < 6; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[12] = '\0';
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static bool
is_ci(const char *a, const char *lit)
{
	while (*a != '\0' && lower(*a) == *lit) {
		a++;
		lit++;
	}
	return *a == '\0' && *lit == '\0';
}

/* First Accept-Language item, '-' removed, lower-cased, 4 chars. */
static void
lang4(const struct http_request *req, char out[5])
{
	const char *s = req->accept_language;
	size_t n = 0;

	if (req->has_accept_language) {
		while (*s == ' ' || *s == '\t')
			s++;
		for (; *s != '\0' && *s != ',' && n < 4; s++) {
			if (*s == '-')
				continue;
			/* Keep the string printable ASCII. */
			out[n++] = (*s > 0x20 && *s < 0x7f) ? lower(*s) : '_';
		}
	}
	while (n < 4)
		out[n++] = '0';
	out[4] = '\0';
}

static void
part_a(const struct http_request *req, char out[13])
{
	unsigned n = req->hdrs.n_seen;
	unsigned skip = (unsigned)req->n_cookie_hdrs + req->n_referer_hdrs;
	char m0 = lower(req->method[0]), m1, lang[5];

	m1 = m0 != '\0' ? lower(req->method[1]) : '\0';
	n = n > skip ? n - skip : 0;
	if (n > 99)
		n = 99;
	lang4(req, lang);
	out[0] = m0 != '\0' ? m0 : '0';
	out[1] = m1 != '\0' ? m1 : '0';
	out[2] = (char)('0' + (req->version_major % 10));
	out[3] = (char)('0' + (req->version_major == 1 ?
	    req->version_minor % 10 : 0));
	out[4] = req->has_cookie ? 'c' : 'n';
	out[5] = req->has_referer ? 'r' : 'n';
	out[6] = (char)('0' + n / 10);
	out[7] = (char)('0' + n % 10);
	memcpy(out + 8, lang, 5);		/* with its NUL */
}

/* dst = a_b_c_d, each part a string of its length. */
static size_t
join4(char *dst, size_t dstsz, const char *a, const char *b, size_t blen,
    const char *c, size_t clen, const char *d)
{
	struct fmt f = fmt_init(dst, dstsz);

	fmt_str(&f, a);
	fmt_char(&f, '_');
	fmt_mem(&f, b, blen);
	fmt_char(&f, '_');
	fmt_mem(&f, c, clen);
	fmt_char(&f, '_');
	fmt_str(&f, d);
	return fmt_end(&f);
}

/* Byte-wise order, a proper prefix first. */
static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn;
}

/* Cookie items sorted by name, then by the whole item; this is the order
 * of FoxIO's published (Rust and Python) results. */
static int
item_cmp(const struct http_cookies *ck, uint16_t x, uint16_t y)
{
	const struct http_cookie_item *a = &ck->item[x], *b = &ck->item[y];
	int c = bytes_cmp(ck->buf + a->off, a->name_len, ck->buf + b->off,
	    b->name_len);

	return c != 0 ? c : bytes_cmp(ck->buf + a->off, a->len,
	    ck->buf + b->off, b->len);
}

static void
sort_items(const struct http_cookies *ck, uint16_t idx[])
{
	for (uint16_t i = 0; i < ck->n; i++)
		idx[i] = i;
	for (uint16_t i = 1; i < ck->n; i++) {
		uint16_t v = idx[i], j = i;

		while (j > 0 && item_cmp(ck, idx[j - 1], v) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

static void
raw_form(char *dst, size_t dstsz, const char *a, const struct list *names,
    const struct list *cnames, const char *d, uint32_t *flags)
{
	if (join4(dst, dstsz, a, names->buf, names->len, cnames->buf,
	    cnames->len, d) >= dstsz)
		*flags |= JA4H_RAW_TRUNCATED;
}

void
ja4h_compute(const struct http_request *req, const struct http_cookies *ck,
    struct ja4h *out)
{
	static const struct http_cookies empty;
	struct list names, cnames, items;
	char a[13], b[13], c[13], d[13], d_o[13];
	uint16_t idx[HTTP_MAX_COOKIES];

	out->flags = 0;		/* the three strings are always written */
	names.len = cnames.len = items.len = 0;
	names.buf[0] = cnames.buf[0] = items.buf[0] = '\0';
	if (req->hdrs.n_seen > req->hdrs.n)
		out->flags |= JA4H_HEADERS_INCOMPLETE;
	if (ck == NULL) {
		if (req->has_cookie)
			out->flags |= JA4H_NO_COOKIE_SCRATCH;
		ck = &empty;
	}
	if (ck->flags != 0)
		out->flags |= JA4H_COOKIES_INCOMPLETE;
	part_a(req, a);

	for (size_t i = 0; i < req->hdrs.n; i++) {
		const char *nm = req->hdrs.h[i].name;

		if (req->hdrs.h[i].flags & HTTP_HDR_NAME_CUT)
			out->flags |= JA4H_HEADERS_INCOMPLETE;
		if (!is_ci(nm, "cookie") && !is_ci(nm, "referer"))
			list_add(&names, nm, strlen(nm));
	}
	hash12(&names, false, b);

	/* Wire order first: ja4h_ro. */
	for (uint16_t i = 0; i < ck->n; i++) {
		const struct http_cookie_item *it = &ck->item[i];

		list_add(&cnames, ck->buf + it->off, it->name_len);
		list_add(&items, ck->buf + it->off, it->len);
	}
	hash12(&items, true, d_o);
	raw_form(out->ja4h_ro, sizeof(out->ja4h_ro), a, &names, &cnames, d_o,
	    &out->flags);

	/* Sorted: ja4h and ja4h_r. */
	sort_items(ck, idx);
	cnames.len = items.len = 0;
	cnames.buf[0] = items.buf[0] = '\0';
	for (uint16_t i = 0; i < ck->n; i++) {
		const struct http_cookie_item *it = &ck->item[idx[i]];

		list_add(&cnames, ck->buf + it->off, it->name_len);
		list_add(&items, ck->buf + it->off, it->len);
	}
	hash12(&cnames, false, c);
	hash12(&items, true, d);
	/* Cookie values: both passes wrote the same items, so the second
	 * pass's length covers every byte written. */
	explicit_bzero(items.buf, items.len);
	raw_form(out->ja4h_r, sizeof(out->ja4h_r), a, &names, &cnames, d,
	    &out->flags);
	(void)join4(out->ja4h, sizeof(out->ja4h), a, b, TLS_FP_HASH12_LEN, c,
	    TLS_FP_HASH12_LEN, d);
}
