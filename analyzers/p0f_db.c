/* analyzers/p0f_db.c: p0f v3 signature database (p0f.fp format), TCP part. */
#include "analyzers/p0f_db.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

#define P0F_LINE_MAX	1024
#define P0F_MAX_SIGS	65536

enum p0f_section {
	SEC_NONE,
	SEC_TCP_REQUEST,
	SEC_TCP_RESPONSE,
	SEC_MTU,
	SEC_HTTP,
	SEC_OTHER,
};

struct p0f_loader {
	struct p0f_db	*db;
	const char	*path;
	unsigned	 line;
	enum p0f_section sec;
	char		 classes[16][16];
	size_t		 n_classes;
	long		 cur_label;	/* -1: none yet in this section */
	char		*err;
	size_t		 errsz;
	size_t		 cap_tcp[2];
	size_t		 cap_labels;
	size_t		 cap_mtu;
	size_t		 cap_mtu_labels;
};

static bool
load_error(struct p0f_loader *ld, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errsz, "%s:%u: %s", ld->path, ld->line, msg);
	return false;
}

/* Grow *arr (of element size sz) so that it holds n + 1 elements. */
static bool
grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return true;
	if (n >= P0F_MAX_SIGS)
		return false;
	ncap = *cap ? *cap * 2 : 64;
	if ((p = realloc(*arr, ncap * sz)) == NULL)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Read a decimal number no larger than max. */
static bool
take_uint(const char **s, uint32_t max, uint32_t *v)
{
	uint64_t x = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return false;
		p++;
	}
	*s = p;
	*v = (uint32_t)x;
	return true;
}

static bool
take_char(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

static bool
take_word(const char **s, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*s, w, n) != 0)
		return false;
	*s += n;
	return true;
}

static bool
parse_ttl(struct p0f_loader *ld, const char **s, struct p0f_tcp_entry *e)
{
	uint32_t ttl, add;

	if (!take_uint(s, 255, &ttl) || ttl < 1)
		return load_error(ld, "bad initial TTL");
	if (take_char(s, '-')) {
		e->bad_ttl = true;
	} else if (take_char(s, '+')) {
		if (!take_uint(s, 255, &add) || ttl + add > 255)
			return load_error(ld, "bad TTL distance");
		ttl += add;
	}
	e->ittl = (uint8_t)ttl;
	return take_char(s, ':') || load_error(ld, "expected ':' after TTL");
}

static bool
parse_window(struct p0f_loader *ld, const char **s, struct p0f_tcp_entry *e)
{
	uint32_t v;

	if (take_word(s, "*")) {
		e->win_type = P0F_WIN_ANY;
	} else if (take_char(s, '%')) {
		e->win_type = P0F_WIN_MOD;
		if (!take_uint(s, 65535, &v) || v < 2)
			return load_error(ld, "bad '%%' window value");
		e->win = v;
	} else if (take_word(s, "mss*") || take_word(s, "mtu*")) {
		e->win_type = (*s)[-2] == 's' ? P0F_WIN_MSS : P0F_WIN_MTU;
		if (!take_uint(s, 1000, &v) || v < 1)
			return load_error(ld, "bad MSS/MTU multiplier");
		e->win = v;
	} else {
		e->win_type = P0F_WIN_NORMAL;
		if (!take_uint(s, 65535, &v))
			return load_error(ld, "bad window size");
		e->win = v;
	}
	return take_char(s, ',') || load_error(ld, "expected ',' after window");
}

static const struct {
	const char	*name;
	uint8_t		 kind;
} opt_names[] = {
	{ "nop", TCPOPT_NOP }, { "mss", TCPOPT_MSS }, { "ws", TCPOPT_WS },
	{ "sok", TCPOPT_SACKOK }, { "sack", TCPOPT_SACK }, { "ts", TCPOPT_TS },
};

static bool
parse_layout(struct p0f_loader *ld, const char **s, struct p0f_tcp_entry *e)
{
	uint32_t v;

	while (**s != ':') {
		bool found = false;

		if (e->n_opts >= TCP_MAX_OPTS)
			return load_error(ld, "too many TCP options");
		if (take_word(s, "eol+")) {
			if (!take_uint(s, 255, &v))
				return load_error(ld, "bad EOL padding");
			if (**s != ':')
				return load_error(ld, "EOL must be last");
			e->eol_pad = (uint8_t)v;
			e->layout[e->n_opts++] = TCPOPT_EOL;
			break;
		}
		if (take_char(s, '?')) {
			if (!take_uint(s, 255, &v))
				return load_error(ld, "bad '?' option");
			e->layout[e->n_opts++] = (uint8_t)v;
			found = true;
		}
		for (size_t i = 0; !found && i < sizeof(opt_names) /
		    sizeof(opt_names[0]); i++) {
			/* "sok" before "sack" is fine: both are exact. */
			if (take_word(s, opt_names[i].name)) {
				e->layout[e->n_opts++] = opt_names[i].kind;
				found = true;
			}
		}
		if (!found)
			return load_error(ld, "unknown TCP option near '%.12s'",
			    *s);
		if (**s == ':')
			break;
		if (!take_char(s, ','))
			return load_error(ld, "expected ',' between options");
	}
	return take_char(s, ':') || load_error(ld, "expected ':' after options");
}

static bool
parse_quirks(struct p0f_loader *ld, const char **s, struct p0f_tcp_entry *e)
{
	while (**s != ':') {
		size_t n = strcspn(*s, ",:");
		uint32_t q = tcp_quirk_from_name(*s, n);

		if (q == 0 || n == 0)
			return load_error(ld, "unknown quirk '%.*s'", (int)n,
			    *s);
		if (e->ip_version == 6 && (q & (TCP_QUIRK_DF |
		    TCP_QUIRK_NZ_ID | TCP_QUIRK_ZERO_ID | TCP_QUIRK_NZ_MBZ)))
			return load_error(ld, "quirk '%.*s' is IPv4 only",
			    (int)n, *s);
		if (e->ip_version == 4 && q == TCP_QUIRK_FLOW)
			return load_error(ld, "quirk 'flow' is IPv6 only");
		e->quirks |= q;
		*s += n;
		if (**s == ',')
			(*s)++;
	}
	return take_char(s, ':') || load_error(ld, "expected ':' after quirks");
}

/* ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass */
static bool
parse_tcp_sig(struct p0f_loader *ld, const char *s, struct p0f_tcp_entry *e)
{
	uint32_t v;

	memset(e, 0, sizeof(*e));
	if (take_char(&s, '4'))
		e->ip_version = 4;
	else if (take_char(&s, '6'))
		e->ip_version = 6;
	else if (take_char(&s, '*'))
		e->ip_version = -1;
	else
		return load_error(ld, "bad IP version");
	if (!take_char(&s, ':'))
		return load_error(ld, "expected ':' after IP version");
	if (!parse_ttl(ld, &s, e))
		return false;
	if (!take_uint(&s, 255, &v) || !take_char(&s, ':'))
		return load_error(ld, "bad IP option length");
	e->ip_opt_len = (uint8_t)v;
	if (take_word(&s, "*:")) {
		e->mss = -1;
	} else {
		if (!take_uint(&s, 65535, &v) || !take_char(&s, ':'))
			return load_error(ld, "bad MSS");
		e->mss = (int32_t)v;
	}
	if (!parse_window(ld, &s, e))
		return false;
	if (take_word(&s, "*:")) {
		e->wscale = -1;
	} else {
		if (!take_uint(&s, 255, &v) || !take_char(&s, ':'))
			return load_error(ld, "bad window scale");
		e->wscale = (int16_t)v;
	}
	if (!parse_layout(ld, &s, e) || !parse_quirks(ld, &s, e))
		return false;
	if (strcmp(s, "*") == 0)
		e->pay_class = -1;
	else if (strcmp(s, "0") == 0)
		e->pay_class = 0;
	else if (strcmp(s, "+") == 0)
		e->pay_class = 1;
	else
		return load_error(ld, "bad payload class '%s'", s);
	return true;
}

static void
copy_field(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* label = type:class:name:flavor */
static bool
parse_label(struct p0f_loader *ld, const char *v)
{
	struct p0f_db *db = ld->db;
	struct p0f_label *l;
	const char *c1, *c2, *c3;
	bool known = false;

	if (!grow((void **)&db->labels, &ld->cap_labels, db->n_labels,
	    sizeof(*db->labels)))
		return load_error(ld, "out of memory");
	l = &db->labels[db->n_labels];
	memset(l, 0, sizeof(*l));
	if ((v[0] != 's' && v[0] != 'g') || v[1] != ':')
		return load_error(ld, "label type must be 's' or 'g'");
	l->generic = v[0] == 'g';
	c1 = v + 2;
	if ((c2 = strchr(c1, ':')) == NULL || (c3 = strchr(c2 + 1, ':')) ==
	    NULL)
		return load_error(ld, "label needs type:class:name:flavor");
	if (c2 - c1 == 1 && *c1 == '!') {
		l->is_userland = true;
		known = true;
	}
	for (size_t i = 0; !known && i < ld->n_classes; i++)
		known = strlen(ld->classes[i]) == (size_t)(c2 - c1) &&
		    strncmp(ld->classes[i], c1, (size_t)(c2 - c1)) == 0;
	if (!known)
		return load_error(ld, "unknown class '%.*s'", (int)(c2 - c1),
		    c1);
	if (c3 == c2 + 1)
		return load_error(ld, "empty label name");
	copy_field(l->class_name, sizeof(l->class_name), c1,
	    (size_t)(c2 - c1));
	copy_field(l->name, sizeof(l->name), c2 + 1, (size_t)(c3 - c2 - 1));
	copy_field(l->flavor, sizeof(l->flavor), c3 + 1, strlen(c3 + 1));
	ld->cur_label = (long)db->n_labels++;
	return true;
}

static bool
parse_classes(struct p0f_loader *ld, const char *v)
{
	while (*v != '\0') {
		size_t n = strcspn(v, ",");

		if (ld->n_classes == 16 || n == 0 || n >= 16)
			return load_error(ld, "bad classes list");
		copy_field(ld->classes[ld->n_classes++], 16, v, n);
		v += n;
		if (*v == ',')
			v++;
	}
	return true;
}

static bool
parse_mtu(struct p0f_loader *ld, const char *key, const char *v)
{
	struct p0f_db *db = ld->db;
	uint32_t mtu;

	if (strcmp(key, "label") == 0) {
		if (!grow((void **)&db->mtu_labels, &ld->cap_mtu_labels,
		    db->n_mtu_labels, sizeof(*db->mtu_labels)))
			return load_error(ld, "out of memory");
		copy_field(db->mtu_labels[db->n_mtu_labels], 64, v, strlen(v));
		ld->cur_label = (long)db->n_mtu_labels++;
		return true;
	}
	if (strcmp(key, "sig") != 0)
		return load_error(ld, "unknown key '%s' in [mtu]", key);
	if (ld->cur_label < 0)
		return load_error(ld, "sig before any label");
	if (!take_uint(&v, 65535, &mtu) || *v != '\0')
		return load_error(ld, "bad MTU");
	if (!grow((void **)&db->mtu, &ld->cap_mtu, db->n_mtu,
	    sizeof(*db->mtu)))
		return load_error(ld, "out of memory");
	db->mtu[db->n_mtu].mtu = (uint16_t)mtu;
	db->mtu[db->n_mtu].label = (uint32_t)ld->cur_label;
	db->n_mtu++;
	return true;
}

static bool
parse_tcp_line(struct p0f_loader *ld, const char *key, const char *v)
{
	struct p0f_db *db = ld->db;
	int side = ld->sec == SEC_TCP_RESPONSE;
	struct p0f_tcp_entry e;

	if (strcmp(key, "label") == 0)
		return parse_label(ld, v);
	if (strcmp(key, "sys") == 0) {
		if (ld->cur_label < 0 ||
		    !db->labels[ld->cur_label].is_userland)
			return load_error(ld, "'sys' only follows a label "
			    "of class '!'");
		return true;
	}
	if (strcmp(key, "sig") != 0)
		return load_error(ld, "unknown key '%s'", key);
	if (ld->cur_label < 0)
		return load_error(ld, "sig before any label");
	if (!parse_tcp_sig(ld, v, &e))
		return false;
	e.label = (uint32_t)ld->cur_label;
	e.line = ld->line;
	if (!grow((void **)&db->tcp[side], &ld->cap_tcp[side],
	    db->n_tcp[side], sizeof(e)))
		return load_error(ld, "out of memory or too many signatures");
	db->tcp[side][db->n_tcp[side]++] = e;
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool
parse_line(struct p0f_loader *ld, char *line)
{
	char *s = trim(line), *eq, *key, *val;

	if (*s == '\0' || *s == ';' || *s == '#')
		return true;
	if (*s == '[') {
		ld->cur_label = -1;
		if (strcmp(s, "[tcp:request]") == 0)
			ld->sec = SEC_TCP_REQUEST;
		else if (strcmp(s, "[tcp:response]") == 0)
			ld->sec = SEC_TCP_RESPONSE;
		else if (strcmp(s, "[mtu]") == 0)
			ld->sec = SEC_MTU;
		else if (strncmp(s, "[http:", 6) == 0)
			ld->sec = SEC_HTTP;
		else
			return load_error(ld, "unknown section %s", s);
		return true;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return load_error(ld, "expected 'key = value'");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (strcmp(key, "classes") == 0)
		return parse_classes(ld, val);
	switch (ld->sec) {
	case SEC_TCP_REQUEST:
	case SEC_TCP_RESPONSE:
		return parse_tcp_line(ld, key, val);
	case SEC_MTU:
		return parse_mtu(ld, key, val);
	case SEC_HTTP:
		ld->db->n_http_lines++;
		return true;
	default:
		return load_error(ld, "'%s' outside of any section", key);
	}
}

static bool
same_layout(const uint8_t *a, uint8_t na, const uint8_t *b, uint8_t nb)
{
	return na == nb && memcmp(a, b, na) == 0;
}

/* Reorder one side's entries so that each layout's entries are adjacent,
 * keeping file order within a layout, and index the groups. */
static bool
group_by_layout(struct p0f_db *db, int side)
{
	size_t n = db->n_tcp[side], ng = 0, out = 0;
	struct p0f_tcp_entry *sorted;
	struct p0f_layout_group *g;

	if (n == 0)
		return true;
	sorted = calloc(n, sizeof(*sorted));
	g = calloc(n, sizeof(*g));
	if (sorted == NULL || g == NULL) {
		free(sorted);
		free(g);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct p0f_tcp_entry *e = &db->tcp[side][i];
		size_t k;

		for (k = 0; k < ng; k++)
			if (same_layout(g[k].layout, g[k].n_opts, e->layout,
			    e->n_opts))
				break;
		if (k < ng)
			continue;
		memcpy(g[ng].layout, e->layout, sizeof(g[ng].layout));
		g[ng].n_opts = e->n_opts;
		g[ng].first = (uint32_t)out;
		for (size_t j = i; j < n; j++)
			if (same_layout(e->layout, e->n_opts,
			    db->tcp[side][j].layout, db->tcp[side][j].n_opts))
				sorted[out++] = db->tcp[side][j];
		g[ng].count = (uint32_t)out - g[ng].first;
		ng++;
	}
	free(db->tcp[side]);
	db->tcp[side] = sorted;
	db->groups[side] = g;
	db->n_groups[side] = ng;
	return true;
}

/* Read one line without its newline into buf.  Returns 1, 0 at the end,
 * -1 if the line does not fit, -2 on a NUL byte. */
static int
read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -2;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return 0;
	buf[n] = '\0';
	return 1;
}

static _Atomic uint64_t p0f_db_serials;

struct p0f_db *
p0f_db_load(const char *path, char *err, size_t errsz)
{
	struct p0f_loader ld = { .path = path, .err = err, .errsz = errsz,
	    .cur_label = -1 };
	char line[P0F_LINE_MAX + 2];
	FILE *f;
	bool ok = true;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((ld.db = calloc(1, sizeof(*ld.db))) == NULL) {
		fclose(f);
		snprintf(err, errsz, "%s: out of memory", path);
		return NULL;
	}
	snprintf(ld.db->path, sizeof(ld.db->path), "%s", path);
	/* What the renders cached from this database are keyed by: a
	 * reloaded database may get a freed one's address, not its serial. */
	ld.db->serial = atomic_fetch_add(&p0f_db_serials, 1) + 1;
	while (ok) {
		int rc = read_line(f, line, sizeof(line));

		if (rc == 0)
			break;
		ld.line++;
		if (rc == -1)
			ok = load_error(&ld, "line longer than %d bytes",
			    P0F_LINE_MAX);
		else if (rc == -2)
			ok = load_error(&ld, "NUL byte: not a text file");
		else
			ok = parse_line(&ld, line);
	}
	if (ok && ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		ok = false;
	}
	if (ok && ld.db->n_tcp[0] + ld.db->n_tcp[1] == 0) {
		snprintf(err, errsz, "%s: no [tcp:request] or [tcp:response] "
		    "signatures", path);
		ok = false;
	}
	fclose(f);
	if (ok && (!group_by_layout(ld.db, 0) || !group_by_layout(ld.db, 1))) {
		snprintf(err, errsz, "%s: out of memory", path);
		ok = false;
	}
	if (!ok) {
		p0f_db_free(ld.db);
		return NULL;
	}
	return ld.db;
}

void
p0f_db_free(struct p0f_db *db)
{
	if (db == NULL)
		return;
	free(db->labels);
	free(db->tcp[0]);
	free(db->tcp[1]);
	free(db->groups[0]);
	free(db->groups[1]);
	free(db->mtu);
	free(db->mtu_labels);
	free(db);
}

const char *
p0f_db_mtu_link(const struct p0f_db *db, uint16_t mtu)
{
	for (size_t i = 0; db != NULL && i < db->n_mtu; i++)
		if (db->mtu[i].mtu == mtu)
			return db->mtu_labels[db->mtu[i].label];
	return NULL;
}

static bool
window_matches(const struct p0f_tcp_entry *r, const struct tcp_sig *s,
    int win_multi, bool use_mtu)
{
	switch (r->win_type) {
	case P0F_WIN_NORMAL:
		return r->win == s->win;
	case P0F_WIN_MOD:
		return s->win % r->win == 0;
	case P0F_WIN_MSS:
		return !use_mtu && (int)r->win == win_multi;
	case P0F_WIN_MTU:
		return use_mtu && (int)r->win == win_multi;
	default:
		return true;
	}
}

void
p0f_db_match_tcp(const struct p0f_db *db, const struct tcp_sig *s,
    uint16_t syn_mss, struct p0f_match *m)
{
	const struct p0f_tcp_entry *fmatch = NULL, *gmatch = NULL;
	int side = s->is_synack;
	bool use_mtu = false;
	int win_multi = tcp_sig_win_multi(s, syn_mss, &use_mtu);

	const struct p0f_layout_group *g = NULL;

	memset(m, 0, sizeof(*m));
	for (size_t k = 0; db != NULL && k < db->n_groups[side]; k++) {
		if (same_layout(db->groups[side][k].layout,
		    db->groups[side][k].n_opts, s->layout, s->n_opts)) {
			g = &db->groups[side][k];
			break;
		}
	}
	for (size_t i = 0; g != NULL && i < g->count; i++) {
		const struct p0f_tcp_entry *r = &db->tcp[side][g->first + i];
		uint32_t rq = r->quirks;
		bool fuzzy = false;

		/* A signature for either IP version drops the quirks that
		 * cannot occur in the packet's version. */
		if (r->ip_version == -1)
			rq &= s->ip_version == 4 ? ~TCP_QUIRK_FLOW :
			    ~(TCP_QUIRK_DF | TCP_QUIRK_NZ_ID |
			    TCP_QUIRK_ZERO_ID);
		if (rq != s->quirks) {
			uint32_t deleted = (rq ^ s->quirks) & rq;
			uint32_t added = (rq ^ s->quirks) & s->quirks;

			if (fmatch != NULL ||
			    (deleted & ~(TCP_QUIRK_DF | TCP_QUIRK_NZ_ID)) ||
			    (added & ~(TCP_QUIRK_ZERO_ID | TCP_QUIRK_ECN)))
				continue;
			fuzzy = true;
		}
		if (r->eol_pad != s->eol_pad || r->ip_opt_len != s->ip_opt_len)
			continue;
		if (r->bad_ttl) {
			if (r->ittl < s->ttl)
				continue;
		} else if (r->ittl < s->ttl ||
		    r->ittl - s->ttl > TCP_SIG_MAX_DIST) {
			fuzzy = true;
		}
		if ((r->mss != -1 && r->mss != s->mss) ||
		    (r->wscale != -1 && r->wscale != s->wscale) ||
		    (r->pay_class != -1 && r->pay_class != s->has_payload))
			continue;
		if (!window_matches(r, s, win_multi, use_mtu))
			continue;
		if (!fuzzy) {
			if (!db->labels[r->label].generic) {
				m->entry = r;
				m->dist = (uint8_t)(r->ittl - s->ttl);
				goto found;
			}
			if (gmatch == NULL)
				gmatch = r;
		} else if (fmatch == NULL) {
			fmatch = r;
		}
	}
	if (gmatch != NULL) {
		m->entry = gmatch;
		m->dist = (uint8_t)(gmatch->ittl - s->ttl);
		goto found;
	}
	/* No fuzzy matching for userland tools. */
	if (fmatch != NULL && db->labels[fmatch->label].is_userland) {
		m->dist = 0;
		return;
	}
	if (fmatch == NULL || fmatch->ittl < s->ttl || (!fmatch->bad_ttl &&
	    fmatch->ittl - s->ttl > TCP_SIG_MAX_DIST))
		m->dist = tcp_sig_guess_dist(s->ttl);
	else
		m->dist = (uint8_t)(fmatch->ittl - s->ttl);
	if (fmatch == NULL)
		return;
	m->entry = fmatch;
	m->fuzzy = true;
found:
	m->label = &db->labels[m->entry->label];
}

size_t
p0f_match_params(const struct p0f_match *m, const struct tcp_sig *sig,
    char *dst, size_t dstsz)
{
	static const char hex[] = "0123456789abcdef";
	char buf[64];
	struct fmt f = fmt_init(buf, sizeof(buf));

	if (m->entry != NULL) {
		if (m->label->generic)
			fmt_str(&f, " generic");
		if (m->fuzzy)
			fmt_str(&f, " fuzzy");
		if (m->entry->bad_ttl)
			fmt_str(&f, " random_ttl");
	}
	if (m->dist > TCP_SIG_MAX_DIST)
		fmt_str(&f, " excess_dist");
	if (sig->tos) {
		fmt_str(&f, " tos:0x");
		fmt_char(&f, hex[sig->tos >> 4 & 15]);
		fmt_char(&f, hex[sig->tos & 15]);
	}
	fmt_end(&f);
	struct fmt out = fmt_init(dst, dstsz);
	fmt_str(&out, f.len ? buf + 1 : "none");
	return fmt_end(&out);
}

size_t
p0f_label_str(const struct p0f_label *l, char *dst, size_t dstsz)
{
	struct fmt f = fmt_init(dst, dstsz);

	fmt_str(&f, l->name);
	if (l->flavor[0]) {
		fmt_char(&f, ' ');
		fmt_str(&f, l->flavor);
	}
	return fmt_end(&f);
}
