/* analyzers/p0f_http.c: p0f 3 HTTP request signatures (print, load, match).
 *
 * Written from p0f's documentation (README section 5) and its observed
 * output; the header lists below are the ones p0f 3.09b uses. */
#include "analyzers/p0f_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers p0f marks '?' in requests, prints without value, or expects. */
static const char *const req_optional[] = {
	"Cookie", "Referer", "Origin", "Range", "If-Modified-Since",
	"If-None-Match", "Via", "X-Forwarded-For", "Authorization",
	"Proxy-Authorization", "Cache-Control", NULL
};
static const char *const req_skipval[] = { "Host", "User-Agent", NULL };
static const char *const req_common[] = {
	"Host", "User-Agent", "Connection", "Accept", "Accept-Encoding",
	"Accept-Language", "Accept-Charset", "Keep-Alive", NULL
};
/* Further names p0f registers at start-up (response lists and its six
 * special headers): they only matter for the '|' rule in values. */
static const char *const p0f_builtin[] = {
	"Server", "Date", "Set-Cookie", "Last-Modified", "ETag",
	"Content-Length", "Content-Disposition", "Expires", "Pragma",
	"Location", "Refresh", "Content-Range", "Vary", "Content-Type",
	"Accept-Ranges", NULL
};

#define NAME_CHARS	" ./-_!?()"	/* p0f: allowed in OS/app names */

static bool
in_list(const char *const *list, const char *name)
{
	/* The first byte first: most names differ there, and a call to
	 * strcmp costs more than the test. */
	for (; *list != NULL; list++)
		if ((*list)[0] == name[0] && strcmp(*list, name) == 0)
			return true;
	return false;
}

static bool
is_known(const struct p0f_http_db *db, const char *name)
{
	if (in_list(req_optional, name) || in_list(req_skipval, name) ||
	    in_list(req_common, name) || in_list(p0f_builtin, name))
		return true;
	for (size_t i = 0; db != NULL && i < db->n_hdr_names; i++)
		if (db->hdr_names[i][0] == name[0] &&
		    strcmp(db->hdr_names[i], name) == 0)
			return true;
	return false;
}

/* Bounded string builder that counts what it could not store. */
struct sbuf {
	char	*dst;
	size_t	 sz;
	size_t	 len;
};

static void
sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->sz) {
		b->dst[b->len] = c;
		b->dst[b->len + 1] = '\0';
	}
	b->len++;
}

/* n bytes of s, as far as they fit. */
static void
sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + 1 < b->sz) {
		size_t room = b->sz - 1 - b->len, k = n < room ? n : room;

		memcpy(b->dst + b->len, s, k);
		b->dst[b->len + k] = '\0';
	}
	b->len += n;
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* p0f's cleaned-up value: printable ASCII up to P0F_HTTP_MAX_SHOW, ending
 * at ']' (and at '|' for headers p0f knows). */
static void
sb_value(struct sbuf *b, const char *v, bool stop_pipe, bool brackets)
{
	size_t n = 0;

	while (n < P0F_HTTP_MAX_SHOW && (unsigned char)v[n] >= 0x20 &&
	    (unsigned char)v[n] < 0x80 && v[n] != ']' &&
	    !(stop_pipe && v[n] == '|'))
		n++;
	if (n == 0)
		return;
	if (brackets)
		sb_putn(b, "=[", 2);
	sb_putn(b, v, n);
	if (brackets)
		sb_putc(b, ']');
}

static bool
p0f_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > P0F_HTTP_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return false;
	return true;
}

/* Would p0f fingerprint this request at all? */
static bool
p0f_eligible(const struct http_request *req)
{
	const uint32_t fatal = HTTP_ANOM_NON_ASCII_LINE | HTTP_ANOM_OBS_FOLD |
	    HTTP_ANOM_NO_COLON | HTTP_ANOM_SPACE_BEFORE_COLON |
	    HTTP_ANOM_TOO_MANY_HEADERS | HTTP_ANOM_LONG_VALUE |
	    HTTP_ANOM_HEAD_TOO_LONG | HTTP_ANOM_NAME_TRUNCATED;

	if (req->version_major != 1 || req->target[0] != '/')
		return false;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return false;
	if (req->line_len < 14 || req->line_len >= 1024)
		return false;
	if ((req->anomalies & fatal) || req->hdrs.n_seen > P0F_HTTP_MAX_HDRS)
		return false;
	for (size_t i = 0; i < req->hdrs.n; i++)
		if (!p0f_name_ok(req->hdrs.h[i].name))
			return false;
	return true;
}

/* Last User-Agent with a value (p0f keeps overwriting), or NULL. */
static const char *
p0f_sw(const struct http_request *req)
{
	const char *sw = NULL;

	for (size_t i = 0; i < req->hdrs.n; i++)
		if (strcmp(req->hdrs.h[i].name, "User-Agent") == 0 &&
		    req->hdrs.h[i].value_len > 0)
			sw = http_header_value(&req->hdrs, i, NULL);
	return sw;
}

static bool
has_header(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->hdrs.n; i++)
		if (req->hdrs.h[i].name[0] == name[0] &&
		    strcmp(req->hdrs.h[i].name, name) == 0)
			return true;
	return false;
}

size_t
p0f_http_request_sig(const struct http_request *req,
    const struct p0f_http_db *db, char *dst, size_t dstsz)
{
	struct sbuf b = { dst, dstsz, 0 };
	const char *sw;
	bool had = false;

	if (dstsz > 0)
		dst[0] = '\0';
	if (!p0f_eligible(req))
		return 0;
	sb_puts(&b, req->version_minor == 1 ? "1:" : "0:");
	for (size_t i = 0; i < req->hdrs.n; i++) {
		const struct http_header *h = &req->hdrs.h[i];
		bool opt = in_list(req_optional, h->name);

		if (had)
			sb_putc(&b, ',');
		had = true;
		if (opt)
			sb_putc(&b, '?');
		sb_puts(&b, h->name);
		if (opt || h->value_len == 0 || in_list(req_skipval, h->name))
			continue;
		sb_value(&b, http_header_value(&req->hdrs, i, NULL),
		    is_known(db, h->name), true);
	}
	sb_putc(&b, ':');
	had = false;
	for (size_t i = 0; req_common[i] != NULL; i++) {
		if (has_header(req, req_common[i]))
			continue;
		if (had)
			sb_putc(&b, ',');
		had = true;
		sb_puts(&b, req_common[i]);
	}
	sb_putc(&b, ':');
	if ((sw = p0f_sw(req)) != NULL)
		sb_value(&b, sw, false, false);
	return b.len;
}

/* ---- matching ----------------------------------------------------------- */

/* One of 64 bits for a header name (case kept, as matching compares): a
 * signature whose required names' bits are not all among a request's
 * cannot match it, and is passed over without comparing names. */
static uint64_t
name_bit(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return 1ull << (h >> 26);
}

static bool
sig_matches(const struct p0f_http_sig *s, const struct http_request *req)
{
	const struct http_headers *hd = &req->hdrs;
	size_t ti = 0;

	if (s->version != -1 && s->version != (req->version_minor == 1))
		return false;
	for (size_t ri = 0; ri < s->n_hdrs; ri++) {
		const struct p0f_http_hdr *rh = &s->hdrs[ri];
		size_t orig = ti;

		while (ti < hd->n && (hd->h[ti].name[0] != rh->name[0] ||
		    strcmp(hd->h[ti].name, rh->name) != 0))
			ti++;
		if (ti == hd->n) {
			/* Optional: may be missing, but not out of order. */
			if (!rh->is_optional || has_header(req, rh->name))
				return false;
			ti = orig;
			continue;
		}
		if (rh->value != NULL && (hd->h[ti].value_len == 0 ||
		    strstr(http_header_value(hd, ti, NULL), rh->value) == NULL))
			return false;
		ti++;
	}
	for (size_t i = 0; i < s->n_absent; i++)
		if (has_header(req, s->absent[i]))
			return false;
	return true;
}

bool
p0f_http_match_request(const struct p0f_http_db *db,
    const struct http_request *req, struct p0f_http_match *out)
{
	const struct p0f_http_sig *m = NULL, *gm = NULL;
	const char *sw;
	uint64_t have = 0;

	memset(out, 0, sizeof(*out));
	if (!p0f_eligible(req))
		return false;
	sw = p0f_sw(req);
	out->is_anonymous = sw == NULL;
	for (size_t i = 0; i < req->hdrs.n; i++)
		have |= name_bit(req->hdrs.h[i].name);
	for (size_t i = 0; db != NULL && i < db->n_sigs && m == NULL; i++) {
		const struct p0f_http_sig *s = &db->sigs[i];

		if ((s->need & ~have) != 0 || !sig_matches(s, req))
			continue;
		if (!db->labels[s->label].is_generic)
			m = s;
		else if (gm == NULL)
			gm = s;
	}
	if (m == NULL && (m = gm) == NULL)
		return false;
	out->sig = m;
	out->label = db->labels[m->label].text;
	out->is_generic = db->labels[m->label].is_generic;
	out->is_dishonest = m->sw != NULL && sw != NULL &&
	    strstr(sw, m->sw) == NULL;
	return true;
}

/* ---- loading ------------------------------------------------------------ */

struct loader {
	struct p0f_http_db	*db;
	const char		*file;
	unsigned		 line;
	char			*err;
	size_t			 errsz;
	bool			 in_http;	/* [http:*] section */
	bool			 to_srv;	/* [*:request] */
	bool			 in_mtu;
	bool			 has_label;
};

static int	fail(struct loader *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ld->errsz == 0)
		return -1;
	n = snprintf(ld->err, ld->errsz, "%s:%u: ", ld->file, ld->line);
	if (n >= 0 && (size_t)n < ld->errsz) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errsz - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static char *
dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Append s to the array *arr of *n strings; false on OOM. */
static bool
push_str(char ***arr, size_t *n, char *s)
{
	char **na = realloc(*arr, (*n + 1) * sizeof(*na));

	if (na == NULL)
		return false;
	na[(*n)++] = s;
	*arr = na;
	return true;
}

/* Register an OS/app name; returns p0f's spelling (first seen wins). */
static const char *
intern_name(struct loader *ld, const char *s, size_t n)
{
	struct p0f_http_db *db = ld->db;
	char *d;

	for (size_t i = 0; i < db->n_names; i++)
		if (strlen(db->names[i]) == n &&
		    strncasecmp(db->names[i], s, n) == 0)
			return db->names[i];
	if ((d = dup_n(s, n)) == NULL)
		return NULL;
	if (!push_str(&db->names, &db->n_names, d)) {
		free(d);
		return NULL;
	}
	return d;
}

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || (c != '\0' &&
	    strchr(NAME_CHARS, c) != NULL);
}

static bool
is_hdr_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* label = g|s ':' class ':' name ':' flavor */
static int
parse_label(struct loader *ld, const char *v)
{
	struct p0f_http_label lb = { 0 };
	const char *p, *name, *nm;
	size_t nlen;

	ld->has_label = false;
	if ((v[0] != 'g' && v[0] != 's') || v[1] != ':')
		return ld->in_http && ld->to_srv ?
		    fail(ld, "malformed label") : 0;
	lb.is_generic = v[0] == 'g';
	for (p = v + 2; isalnum((unsigned char)*p) || *p == '!'; p++)
		;
	if (p == v + 2 || *p != ':')
		return ld->in_http && ld->to_srv ?
		    fail(ld, "malformed label class") : 0;
	lb.is_app = p == v + 3 && v[2] == '!';
	name = ++p;
	while (is_name_char(*p))
		p++;
	if (p == name || *p != ':')
		return ld->in_http && ld->to_srv ?
		    fail(ld, "malformed label name") : 0;
	nlen = (size_t)(p - name);
	if ((nm = intern_name(ld, name, nlen)) == NULL)
		return fail(ld, "out of memory");
	if (!ld->in_http || !ld->to_srv) {
		ld->has_label = ld->in_http;	/* response: names only */
		return 0;
	}
	p++;
	nlen = strlen(nm) + (*p != '\0' ? 1 + strlen(p) : 0);
	if ((lb.text = malloc(nlen + 1)) == NULL)
		return fail(ld, "out of memory");
	snprintf(lb.text, nlen + 1, "%s%s%s", nm, *p != '\0' ? " " : "", p);
	struct p0f_http_label *nl = realloc(ld->db->labels,
	    (ld->db->n_labels + 1) * sizeof(*nl));
	if (nl == NULL) {
		free(lb.text);
		return fail(ld, "out of memory");
	}
	ld->db->labels = nl;
	nl[ld->db->n_labels++] = lb;
	ld->has_label = true;
	return 0;
}

/* sys = name,@class,... : only names are registered. */
static int
parse_names(struct loader *ld, const char *v)
{
	while (*v != '\0') {
		const char *s;

		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (*v == '@') {
			while (*v != '\0' && *v != ',')
				v++;
			continue;
		}
		for (s = v; is_name_char(*v); v++)
			;
		if (v > s && intern_name(ld, s, (size_t)(v - s)) == NULL)
			return fail(ld, "out of memory");
		if (*v == '=' && v[1] == '[')	/* ua_os alias */
			while (*v != '\0' && *v != ']')
				v++;
		while (*v != '\0' && *v != ',')
			v++;
	}
	return 0;
}

static int
note_hdr_name(struct loader *ld, const char *s, size_t n, char **out)
{
	struct p0f_http_db *db = ld->db;

	for (size_t i = 0; i < db->n_hdr_names; i++)
		if (strlen(db->hdr_names[i]) == n &&
		    memcmp(db->hdr_names[i], s, n) == 0) {
			*out = db->hdr_names[i];
			return 0;
		}
	if ((*out = dup_n(s, n)) == NULL ||
	    !push_str(&db->hdr_names, &db->n_hdr_names, *out)) {
		free(*out);
		return fail(ld, "out of memory");
	}
	return 0;
}

/* One "Name" or "?Name=[value]" of horder; advances *pp. */
static int
parse_hdr(struct loader *ld, const char **pp, struct p0f_http_hdr *h,
    bool in_order)
{
	const char *p = *pp, *s;

	if (in_order && *p == '?') {
		h->is_optional = true;
		p++;
	}
	for (s = p; is_hdr_char(*p); p++)
		;
	if (p == s)
		return fail(ld, "malformed header name");
	if (note_hdr_name(ld, s, (size_t)(p - s), &h->name) != 0)
		return -1;
	if (in_order && *p == '=') {
		if (p[1] != '[')
			return fail(ld, "missing '[' after '='");
		for (s = p += 2; *p != '\0' && *p != ']'; p++)
			;
		if (p == s || *p == '\0')
			return fail(ld, "malformed header value");
		if ((h->value = dup_n(s, (size_t)(p - s))) == NULL)
			return fail(ld, "out of memory");
		p++;
	}
	if (*p == ',')
		p++;
	else if (*p != ':') {
		free(h->value);
		h->value = NULL;
		return fail(ld, "malformed signature");
	}
	*pp = p;
	return 0;
}

static void
sig_free(struct p0f_http_sig *s)
{
	for (unsigned i = 0; i < s->n_hdrs; i++)
		free(s->hdrs[i].value);	/* names belong to hdr_names */
	free(s->sw);
}

/* horder (in_order) or habsent of a signature, up to its closing ':'. */
static int
parse_list(struct loader *ld, const char **pp, struct p0f_http_sig *s,
    bool in_order)
{
	struct p0f_http_hdr h;

	while (**pp != ':') {
		unsigned *n = in_order ? &s->n_hdrs : &s->n_absent;

		if (*n >= P0F_HTTP_MAX_HDRS)
			return fail(ld, "too many headers");
		memset(&h, 0, sizeof(h));
		if (parse_hdr(ld, pp, &h, in_order) != 0)
			return -1;
		if (in_order)
			s->hdrs[(*n)++] = h;
		else
			s->absent[(*n)++] = h.name;
	}
	(*pp)++;
	return 0;
}

/* sig = ver:horder:habsent:expsw */
static int
parse_sig(struct loader *ld, const char *v)
{
	struct p0f_http_sig s = { 0 };
	const char *p = v;

	if (!ld->has_label)
		return fail(ld, "'sig' without a label");
	if (p[0] == '0' || p[0] == '1')
		s.version = p[0] - '0';
	else if (p[0] == '*')
		s.version = -1;
	else
		return fail(ld, "bad HTTP version");
	if (p[1] != ':')
		return fail(ld, "malformed signature");
	p += 2;
	if (parse_list(ld, &p, &s, true) != 0 ||
	    parse_list(ld, &p, &s, false) != 0) {
		sig_free(&s);
		return -1;
	}
	if (strchr(p, ':') != NULL) {
		sig_free(&s);
		return fail(ld, "malformed signature");
	}
	if (*p != '\0' && (s.sw = dup_n(p, strlen(p))) == NULL) {
		sig_free(&s);
		return fail(ld, "out of memory");
	}
	if (!ld->to_srv) {		/* response: names registered only */
		sig_free(&s);
		return 0;
	}
	s.label = ld->db->n_labels - 1;
	s.line = ld->line;
	for (unsigned i = 0; i < s.n_hdrs; i++)
		if (!s.hdrs[i].is_optional)
			s.need |= name_bit(s.hdrs[i].name);
	struct p0f_http_sig *ns = realloc(ld->db->sigs,
	    (ld->db->n_sigs + 1) * sizeof(*ns));
	if (ns == NULL) {
		sig_free(&s);
		return fail(ld, "out of memory");
	}
	ld->db->sigs = ns;
	ns[ld->db->n_sigs++] = s;
	return 0;
}

static int
parse_section(struct loader *ld, const char *line)
{
	ld->in_http = ld->to_srv = ld->in_mtu = ld->has_label = false;
	if (strcmp(line, "[mtu]") == 0) {
		ld->in_mtu = true;
		return 0;
	}
	if (strcmp(line, "[tcp:request]") == 0 ||
	    strcmp(line, "[tcp:response]") == 0)
		return 0;
	if (strcmp(line, "[http:request]") == 0) {
		ld->in_http = ld->to_srv = true;
		return 0;
	}
	if (strcmp(line, "[http:response]") == 0) {
		ld->in_http = true;
		return 0;
	}
	return fail(ld, "unknown section %s", line);
}

static int
parse_line(struct loader *ld, char *line)
{
	char *key = line, *v = line;

	if (*line == '[')
		return parse_section(ld, line);
	while (isalpha((unsigned char)*v) || *v == '_')
		v++;
	if (v == key)
		return fail(ld, "unexpected statement");
	char *eok = v;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v != '=')
		return fail(ld, "unexpected statement");
	v++;
	while (*v == ' ' || *v == '\t')
		v++;
	*eok = '\0';
	if (strcmp(key, "classes") == 0 || ld->in_mtu)
		return 0;
	if (strcmp(key, "label") == 0)
		return parse_label(ld, v);
	if (strcmp(key, "sys") == 0 || strcmp(key, "ua_os") == 0)
		return parse_names(ld, v);
	if (strcmp(key, "sig") == 0)
		return ld->in_http ? parse_sig(ld, v) : 0;
	return fail(ld, "unknown field '%s'", key);
}

int
p0f_http_load_mem(struct p0f_http_db *db, const char *buf, size_t len,
    const char *name, char *err, size_t errsz)
{
	struct loader ld = { .db = db, .file = name, .err = err,
	    .errsz = errsz };
	size_t off = 0;

	memset(db, 0, sizeof(*db));
	if (errsz > 0)
		err[0] = '\0';
	while (off < len) {
		const char *eol = memchr(buf + off, '\n', len - off);
		size_t n = eol != NULL ? (size_t)(eol - (buf + off)) : len - off;
		const char *s = buf + off;
		char *line;
		int rc;

		ld.line++;
		off += n + (eol != NULL);
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0 || *s == ';')
			continue;
		if (memchr(s, '\0', n) != NULL) {
			p0f_http_db_free(db);
			return fail(&ld, "NUL byte");
		}
		if ((line = dup_n(s, n)) == NULL) {
			p0f_http_db_free(db);
			return fail(&ld, "out of memory");
		}
		rc = parse_line(&ld, line);
		free(line);
		if (rc != 0) {
			p0f_http_db_free(db);
			return -1;
		}
	}
	return 0;
}

int
p0f_http_load(struct p0f_http_db *db, const char *path, char *err,
    size_t errsz)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(db, 0, sizeof(*db));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				snprintf(err, errsz, "%s: out of memory", path);
				return -1;
			}
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = p0f_http_load_mem(db, buf, len, path, err, errsz);
	free(buf);
	return rc;
}

void
p0f_http_db_free(struct p0f_http_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n_sigs; i++)
		sig_free(&db->sigs[i]);
	for (size_t i = 0; i < db->n_labels; i++)
		free(db->labels[i].text);
	for (size_t i = 0; i < db->n_names; i++)
		free(db->names[i]);
	for (size_t i = 0; i < db->n_hdr_names; i++)
		free(db->hdr_names[i]);
	free(db->sigs);
	free(db->labels);
	free(db->names);
	free(db->hdr_names);
	memset(db, 0, sizeof(*db));
}
