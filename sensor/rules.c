/* sensor/rules.c: YAML signature databases -> immutable lookup tables.
 *
 * Each database is one YAML mapping: a version and one or more sections,
 * each a sequence of rules; a rule is a mapping whose keys and value kinds
 * come from a const field table, so every database is read by the same
 * code and every error names FILE:LINE:COL and the key. */
#include "sensor/rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "fmt.h"
#include "json.h"
#include "yaml_doc.h"

#define RULES_TEXT_MAX		128	/* bytes of a name or label */
#define RULES_TOKEN_MAX		64	/* bytes of a User-Agent token */
#define RULES_CHUNK_BYTES	(64u * 1024)

const char *const rules_file_names[RULES_N_DB] = {
	"tls.yaml", "tcp.yaml", "http.yaml", "useragent.yaml",
};
const char *const rules_db_names[RULES_N_DB] = {
	"tls", "tcp", "http", "useragent",
};

/* Owned strings, bump-allocated in chunks so that pointers stay put. */
struct rules_chunk {
	struct rules_chunk	*next;
	size_t			 used;
	size_t			 cap;
	char			 text[];
};

enum field_kind {
	FK_ID,		/* [A-Za-z0-9._-], 1-64 */
	FK_JA4,		/* t13d1516h2_8daaf6152771_02713d6af862 */
	FK_JA3,		/* 32 lower-case hex digits */
	FK_ORDER,	/* 16 lower-case hex digits */
	FK_SIG,		/* p0f raw signature, 8 fields */
	FK_TOKEN,	/* printable ASCII, 1-64 */
	FK_NAME,	/* [a-z0-9_-], 1-32: families */
	FK_TEXT,	/* printable, 1-128 */
	FK_CATEGORY,	/* one of the categories below */
};

static const char *const categories[] = {
	"browser", "tool", "library", "bot", "mobile", "other",
};

struct field {
	const char	*key;
	size_t		 off;		/* of the const char * member */
	enum field_kind	 kind;
	bool		 is_required;
	const char	*json_key;	/* in the rule's JSON; NULL: not */
};

struct section {
	const char		*key;
	size_t			 item_size;
	size_t			 json_off;	/* its struct rules_json */
	const struct field	*fields;
	size_t			 n_fields;
	size_t			 arr_off;	/* in struct rules: the array */
	size_t			 n_off;		/* and its count */
};

#define F(type, key, member, kind, req, json) \
	{ key, offsetof(struct type, member), kind, req, json }
#define NFIELDS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct field tls_fields[] = {
	F(rules_client, "id", id, FK_ID, true, "rule"),
	F(rules_client, "ja4", key, FK_JA4, false, NULL),
	F(rules_client, "ja3", key, FK_JA3, false, NULL),
	F(rules_client, "application", application, FK_TEXT, true,
	    "application"),
	F(rules_client, "family", family, FK_NAME, true, "family"),
	F(rules_client, "library", library, FK_TEXT, false, "library"),
	F(rules_client, "category", category, FK_CATEGORY, true, "category"),
	F(rules_client, "os", os, FK_NAME, false, "os"),
};
static const struct field tcp_fields[] = {
	F(rules_tcp, "id", id, FK_ID, true, "rule"),
	F(rules_tcp, "sig", sig, FK_SIG, true, NULL),
	F(rules_tcp, "os", os, FK_NAME, true, "family"),
};
static const struct field http_fields[] = {
	F(rules_client, "id", id, FK_ID, true, "rule"),
	F(rules_client, "header_order", key, FK_ORDER, true, NULL),
	F(rules_client, "application", application, FK_TEXT, true,
	    "application"),
	F(rules_client, "family", family, FK_NAME, true, "family"),
	F(rules_client, "category", category, FK_CATEGORY, true, "category"),
	F(rules_client, "os", os, FK_NAME, false, "os"),
};
static const struct field browser_fields[] = {
	F(rules_ua_browser, "id", id, FK_ID, true, "rule"),
	F(rules_ua_browser, "token", token, FK_TOKEN, true, NULL),
	F(rules_ua_browser, "version_token", version_token, FK_TOKEN, false,
	    NULL),
	F(rules_ua_browser, "browser", browser, FK_TEXT, true, "browser"),
	F(rules_ua_browser, "family", family, FK_NAME, true, "family"),
	F(rules_ua_browser, "category", category, FK_CATEGORY, true,
	    "category"),
};
static const struct field os_fields[] = {
	F(rules_ua_os, "id", id, FK_ID, true, NULL),
	F(rules_ua_os, "token", token, FK_TOKEN, true, NULL),
	F(rules_ua_os, "os", os, FK_NAME, true, "os"),
	F(rules_ua_os, "kernel", kernel, FK_NAME, true, NULL),
};

#define S(key, type, fields, arr, n) { key, sizeof(struct type), \
	offsetof(struct type, json), fields, NFIELDS(fields), \
	offsetof(struct rules, arr), offsetof(struct rules, n) }

static const struct section sections[RULES_N_DB][2] = {
	[RULES_TLS] = { S("rules", rules_client, tls_fields, tls, n_tls) },
	[RULES_TCP] = { S("rules", rules_tcp, tcp_fields, tcp, n_tcp) },
	[RULES_HTTP] = { S("rules", rules_client, http_fields, http, n_http) },
	[RULES_UA] = {
		S("browsers", rules_ua_browser, browser_fields, browsers,
		    n_browsers),
		S("oses", rules_ua_os, os_fields, oses, n_oses),
	},
};

/* One file being loaded. */
struct loader {
	struct rules	*r;
	const char	*path;
	yaml_document_t	 doc;
	char		*err;
	size_t		 errsz;
};

static int
fail_at(struct loader *ld, const yaml_node_t *n, const char *key,
    const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errsz, "%s:%zu:%zu: %s%s%s", ld->path,
	    n != NULL ? n->start_mark.line + 1 : 1,
	    n != NULL ? n->start_mark.column + 1 : 1, key ? key : "",
	    key ? ": " : "", why);
	return -1;
}

uint64_t
rules_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static char *
rules_strndup(struct rules *r, const char *s, size_t n)
{
	struct rules_chunk *c = r->strings;
	char *p;

	if (c == NULL || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > RULES_CHUNK_BYTES ? n + 1 :
		    RULES_CHUNK_BYTES;

		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->next = r->strings;
		c->used = 0;
		c->cap = cap;
		r->strings = c;
	}
	p = c->text + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

struct rules *
rules_new(void)
{
	static uint64_t generation;

	struct rules *r = calloc(1, sizeof(*r));

	if (r != NULL)
		r->generation = ++generation;
	return r;
}

void
rules_free(struct rules *r)
{
	struct rules_chunk *c, *next;

	if (r == NULL)
		return;
	free(r->tls);
	free(r->tcp);
	free(r->http);
	free(r->browsers);
	free(r->oses);
	free(r->tls_index.slot);
	free(r->tcp_index.slot);
	free(r->http_index.slot);
	for (c = r->strings; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(r);
}

static bool
all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

#define LOWER_HEX	"0123456789abcdef"
#define LOWER_ALNUM	"abcdefghijklmnopqrstuvwxyz0123456789"

static bool
is_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* NULL if v[0..n) is a good value of kind k, else why not. */
static const char *
check_value(enum field_kind k, const char *v, size_t n)
{
	size_t colons = 0;

	switch (k) {
	case FK_ID:
		return n >= 1 && n <= 64 && all_in(v, n, LOWER_ALNUM
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ._-") ? NULL :
		    "bad id (1-64 of A-Z a-z 0-9 . _ -)";
	case FK_JA4:
		return n == 36 && all_in(v, 10, LOWER_ALNUM) && v[10] == '_' &&
		    all_in(v + 11, 12, LOWER_HEX) && v[23] == '_' &&
		    all_in(v + 24, 12, LOWER_HEX) ? NULL :
		    "bad pattern: not a JA4 (a_b_c, 10+12+12 characters)";
	case FK_JA3:
		return n == 32 && all_in(v, n, LOWER_HEX) ? NULL :
		    "bad pattern: not a JA3 hash (32 lower-case hex digits)";
	case FK_ORDER:
		return n == 16 && all_in(v, n, LOWER_HEX) ? NULL :
		    "bad pattern: not a header order (16 lower-case hex "
		    "digits)";
	case FK_SIG:
		for (size_t i = 0; i < n; i++)
			colons += v[i] == ':';
		return n <= 160 && colons == 7 && is_printable(v, n) &&
		    memchr(v, ' ', n) == NULL ? NULL :
		    "bad pattern: not a p0f signature (8 fields, ':')";
	case FK_TOKEN:
		return n >= 1 && n <= RULES_TOKEN_MAX && is_printable(v, n) ?
		    NULL : "bad pattern: a token is 1-64 printable characters";
	case FK_NAME:
		return n >= 1 && n <= 32 && all_in(v, n, LOWER_ALNUM "_-") ?
		    NULL : "bad name (1-32 of a-z 0-9 _ -)";
	case FK_TEXT:
		return n >= 1 && n <= RULES_TEXT_MAX && is_printable(v, n) ?
		    NULL : "bad text (1-128 printable characters)";
	case FK_CATEGORY:
		for (size_t i = 0; i < NFIELDS(categories); i++)
			if (strlen(categories[i]) == n &&
			    memcmp(categories[i], v, n) == 0)
				return NULL;
		return "bad category (browser, tool, library, bot, mobile, "
		    "other)";
	}
	return "bad value";
}

static const yaml_node_t *
node(struct loader *ld, int i)
{
	return yaml_document_get_node(&ld->doc, i);
}

static bool
scalar_is(const yaml_node_t *n, const char *s)
{
	return n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.length == strlen(s) &&
	    memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static const char **
member(void *item, size_t off)
{
	return (const char **)(void *)((char *)item + off);
}

/* A signature in the form rules are indexed by: the TTL field is the
 * initial TTL ("64+0" and "64" both give "64", "57+7" gives "64"); with
 * any_mss the MSS field becomes '*'.  False if sig is not one. */
bool
rules_tcp_normalize(const char *sig, char *dst, size_t dstsz, bool any_mss)
{
	const char *f[8], *e[8], *p = sig;
	unsigned ttl = 0, dist = 0, nd = 0;
	struct fmt out = fmt_init(dst, dstsz);

	for (int i = 0; i < 8; i++) {
		f[i] = p;
		while (*p != ':' && *p != '\0')
			p++;
		e[i] = p;
		if (*p == ':' && i < 7)
			p++;
		else if (i < 7)
			return false;
	}
	if (*p != '\0')
		return false;
	/* The TTL field: N, N+D, N+? or N- (p0f's forms). */
	for (p = f[1]; p < e[1] && *p >= '0' && *p <= '9' && nd < 4; p++, nd++)
		ttl = ttl * 10 + (unsigned)(*p - '0');
	if (nd == 0)
		return false;
	if (p < e[1] && *p == '+')
		for (p++, nd = 0; p < e[1] && *p >= '0' && *p <= '9' &&
		    nd < 4; p++, nd++)
			dist = dist * 10 + (unsigned)(*p - '0');
	if (ttl + dist > 255)
		return false;
	fmt_mem(&out, f[0], (size_t)(e[0] - f[0]));
	fmt_char(&out, ':');
	fmt_u64(&out, ttl + dist);
	fmt_char(&out, ':');
	fmt_mem(&out, f[2], (size_t)(e[2] - f[2]));
	fmt_char(&out, ':');
	if (any_mss)
		fmt_char(&out, '*');
	else
		fmt_mem(&out, f[3], (size_t)(e[3] - f[3]));
	fmt_str(&out, e[3]);
	return fmt_end(&out) < dstsz;
}

/* One rule: a mapping of the section's fields. */
static int
load_item(struct loader *ld, const struct section *sec, const yaml_node_t *m,
    void *item)
{
	uint32_t seen = 0;

	if (m->type != YAML_MAPPING_NODE)
		return fail_at(ld, m, NULL, "a rule must be a mapping");
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		const char *why, *s;
		size_t i, n;

		if (k->type != YAML_SCALAR_NODE)
			return fail_at(ld, k, NULL, "a key must be a string");
		for (i = 0; i < sec->n_fields; i++)
			if (scalar_is(k, sec->fields[i].key))
				break;
		if (i == sec->n_fields)
			return fail_at(ld, k, (const char *)k->data.scalar.value,
			    "unknown key");
		if (seen & (1u << i))
			return fail_at(ld, k, sec->fields[i].key,
			    "duplicate key");
		seen |= 1u << i;
		if (v->type != YAML_SCALAR_NODE)
			return fail_at(ld, v, sec->fields[i].key,
			    "expected a string");
		s = (const char *)v->data.scalar.value;
		n = v->data.scalar.length;
		if ((why = check_value(sec->fields[i].kind, s, n)) != NULL)
			return fail_at(ld, v, sec->fields[i].key, "%s", why);
		if ((*member(item, sec->fields[i].off) = rules_strndup(ld->r,
		    s, n)) == NULL)
			return fail_at(ld, v, sec->fields[i].key,
			    "out of memory");
	}
	for (size_t i = 0; i < sec->n_fields; i++)
		if (sec->fields[i].is_required && !(seen & (1u << i)))
			return fail_at(ld, m, sec->fields[i].key, "missing");
	return 0;
}

/* Rules-specific checks of a loaded item. */
static int
finish_item(struct loader *ld, const struct section *sec, const yaml_node_t *m,
    void *item)
{
	if (sec->fields == tls_fields) {
		struct rules_client *c = item;
		bool has_ja4 = false, has_ja3 = false;

		for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
		    p < m->data.mapping.pairs.top; p++) {
			has_ja4 |= scalar_is(node(ld, p->key), "ja4");
			has_ja3 |= scalar_is(node(ld, p->key), "ja3");
		}
		if (has_ja4 == has_ja3)
			return fail_at(ld, m, "ja4", "give ja4 or ja3 (one)");
		c->is_ja3 = has_ja3;
	} else if (sec->fields == browser_fields) {
		struct rules_ua_browser *b = item;

		b->token_len = strlen(b->token);
		b->version_token_len = b->version_token != NULL ?
		    strlen(b->version_token) : 0;
	} else if (sec->fields == os_fields) {
		struct rules_ua_os *o = item;

		o->token_len = strlen(o->token);
	} else if (sec->fields == tcp_fields) {
		struct rules_tcp *t = item;
		char buf[RULES_SIG_MAX];

		if (!rules_tcp_normalize(t->sig, buf, sizeof(buf), false))
			return fail_at(ld, m, "sig", "bad pattern: not a p0f "
			    "signature (ver:ittl:olen:mss:wsize,scale:"
			    "olayout:quirks:pclass)");
		if ((t->sig = rules_strndup(ld->r, buf, strlen(buf))) == NULL)
			return fail_at(ld, m, "sig", "out of memory");
	}
	return 0;
}

static const char *
item_str(const struct section *sec, const char *arr, size_t i, size_t off)
{
	return *(const char *const *)(const void *)(arr + i * sec->item_size +
	    off);
}

/* No two rules of a section share the member at off (the id, or the key
 * looked up).  With idx, the hashed set is kept as the lookup index. */
static int
check_unique(struct loader *ld, const struct section *sec,
    const yaml_node_t *seq, const char *arr, size_t n, size_t off,
    const char *what, struct rules_table *idx)
{
	size_t cap = 16;
	uint32_t *set;

	while (cap < 2 * n)
		cap *= 2;
	if ((set = calloc(cap, sizeof(*set))) == NULL)
		return fail_at(ld, seq, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *v = item_str(sec, arr, i, off);
		size_t h;

		if (v == NULL)
			continue;
		h = rules_hash(v, strlen(v)) & (cap - 1);
		for (; set[h] != 0; h = (h + 1) & (cap - 1)) {
			const char *o = item_str(sec, arr, set[h] - 1, off);

			const char *first = item_str(sec, arr, set[h] - 1, 0);

			if (strcmp(o, v) != 0)
				continue;
			free(set);
			return fail_at(ld, node(ld,
			    seq->data.sequence.items.start[i]), what,
			    "duplicate of rule '%s'", first);
		}
		set[h] = (uint32_t)i + 1;
	}
	if (idx != NULL) {
		idx->slot = set;
		idx->mask = (uint32_t)(cap - 1);
	} else {
		free(set);
	}
	return 0;
}

/* The index of the rules of sec, NULL for the User-Agent lists. */
static struct rules_table *
section_index(struct rules *r, const struct section *sec, size_t *off)
{
	if (sec->fields == tls_fields) {
		*off = offsetof(struct rules_client, key);
		return &r->tls_index;
	}
	if (sec->fields == http_fields) {
		*off = offsetof(struct rules_client, key);
		return &r->http_index;
	}
	if (sec->fields == tcp_fields) {
		*off = offsetof(struct rules_tcp, sig);
		return &r->tcp_index;
	}
	return NULL;
}

/* The rule as JSON members (its json_key fields), rendered once here so
 * that records copy it. */
static int
render_item(struct loader *ld, const struct section *sec,
    const yaml_node_t *m, void *item)
{
	struct rules_json *out = (struct rules_json *)(void *)((char *)item +
	    sec->json_off);
	char buf[1024];
	struct json j;

	json_init_members(&j, buf, sizeof(buf));
	for (size_t i = 0; i < sec->n_fields; i++) {
		const char *v = *member(item, sec->fields[i].off);

		if (sec->fields[i].json_key != NULL && v != NULL)
			json_str(&j, sec->fields[i].json_key, v);
	}
	if (j.overflow)
		return fail_at(ld, m, NULL, "rule too long");
	if ((out->s = rules_strndup(ld->r, buf, j.len)) == NULL)
		return fail_at(ld, m, NULL, "out of memory");
	out->len = j.len;
	return 0;
}

static int
load_section(struct loader *ld, const struct section *sec,
    const yaml_node_t *seq)
{
	void **arr = (void **)(void *)((char *)ld->r + sec->arr_off);
	size_t *n_out = (size_t *)(void *)((char *)ld->r + sec->n_off);
	size_t n;
	char *items;

	if (*arr != NULL)
		return fail_at(ld, seq, sec->key, "duplicate key");
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, seq, sec->key, "expected a sequence of "
		    "rules");
	n = (size_t)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
	if (n > RULES_MAX_RULES)
		return fail_at(ld, seq, sec->key, "more than %u rules",
		    RULES_MAX_RULES);
	if ((items = calloc(n ? n : 1, sec->item_size)) == NULL)
		return fail_at(ld, seq, sec->key, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const yaml_node_t *m = node(ld,
		    seq->data.sequence.items.start[i]);
		void *item = items + i * sec->item_size;

		if (load_item(ld, sec, m, item) != 0 ||
		    finish_item(ld, sec, m, item) != 0 ||
		    render_item(ld, sec, m, item) != 0) {
			free(items);
			return -1;
		}
	}
	struct rules_table *idx;
	size_t key_off = 0;

	idx = section_index(ld->r, sec, &key_off);
	if (check_unique(ld, sec, seq, items, n, 0, "id", NULL) != 0 ||
	    (idx != NULL && check_unique(ld, sec, seq, items, n, key_off,
	    sec->fields[1].key, idx) != 0)) {
		free(items);
		return -1;
	}
	*arr = items;
	*n_out = n;
	return 0;
}

/* The top-level mapping: version and the database's sections. */
static int
load_root(struct loader *ld, enum rules_db db)
{
	const yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	const yaml_node_t *version = NULL;

	if (root == NULL)
		return fail_at(ld, NULL, NULL, "empty database");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(ld, root, NULL, "expected a mapping (version, "
		    "rules)");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node(ld, p->key), *v = node(ld, p->value);
		size_t i;

		if (k->type != YAML_SCALAR_NODE)
			return fail_at(ld, k, NULL, "a key must be a string");
		if (scalar_is(k, "version")) {
			if (version != NULL)
				return fail_at(ld, k, "version",
				    "duplicate key");
			version = v;
			if (v->type != YAML_SCALAR_NODE)
				return fail_at(ld, v, "version",
				    "expected a string");
			if (check_value(FK_TEXT,
			    (const char *)v->data.scalar.value,
			    v->data.scalar.length) != NULL)
				return fail_at(ld, v, "version", "bad text "
				    "(1-128 printable characters)");
			continue;
		}
		for (i = 0; i < 2 && sections[db][i].key != NULL; i++)
			if (scalar_is(k, sections[db][i].key))
				break;
		if (i == 2 || sections[db][i].key == NULL)
			return fail_at(ld, k, (const char *)k->data.scalar.value,
			    "unknown key");
		if (load_section(ld, &sections[db][i], v) != 0)
			return -1;
	}
	if (version == NULL)
		return fail_at(ld, root, "version", "missing");
	if ((ld->r->version[db] = rules_strndup(ld->r,
	    (const char *)version->data.scalar.value,
	    version->data.scalar.length)) == NULL)
		return fail_at(ld, version, "version", "out of memory");
	return 0;
}

int
rules_load_file(struct rules *r, enum rules_db db, const char *path,
    char *err, size_t errsz)
{
	struct loader ld = { .r = r, .path = path, .err = err,
	    .errsz = errsz };
	int rc;

	if (r->version[db] != NULL) {
		snprintf(err, errsz, "%s: a second %s database", path,
		    rules_db_names[db]);
		return -1;
	}
	if (yaml_doc_load(path, RULES_FILE_MAX, &ld.doc, err, errsz) != 0)
		return -1;
	rc = load_root(&ld, db);
	yaml_document_delete(&ld.doc);
	return rc;
}

static int
rules_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml names of dir, sorted; *n of them in a malloc'd array. */
static char **
list_yaml(const char *dir, size_t *n, char *err, size_t errsz)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		if (*n == cap) {
			char **nn = realloc(names, (cap = cap * 2 + 8) *
			    sizeof(*names));

			if (nn == NULL)
				break;
			names = nn;
		}
		if ((names[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), rules_name_cmp);
	return names;
}

struct rules *
rules_load_dir(const char *dir, char *err, size_t errsz)
{
	struct rules *r = rules_new();
	char **names, path[4096];
	size_t n;
	int rc = 0;

	if (r == NULL) {
		snprintf(err, errsz, "%s: out of memory", dir);
		return NULL;
	}
	err[0] = '\0';
	names = list_yaml(dir, &n, err, errsz);
	if (err[0] == '\0' && n == 0) {
		snprintf(err, errsz, "%s: no *.yaml signature database", dir);
		rc = -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int db;

		for (db = 0; db < RULES_N_DB; db++)
			if (strcmp(names[i], rules_file_names[db]) == 0)
				break;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (db == RULES_N_DB) {
			snprintf(err, errsz, "%s: unknown database (known: "
			    "tls.yaml, tcp.yaml, http.yaml, useragent.yaml)",
			    path);
			rc = -1;
		} else {
			rc = rules_load_file(r, (enum rules_db)db, path, err,
			    errsz);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc != 0 || err[0] != '\0') {
		rules_free(r);
		return NULL;
	}
	return r;
}

static const void *
table_find(const struct rules_table *t, const void *arr, size_t item_size,
    size_t off, const char *key, size_t len)
{
	if (t->slot == NULL || len == 0)
		return NULL;
	for (uint32_t h = (uint32_t)rules_hash(key, len) & t->mask;
	    t->slot[h] != 0; h = (h + 1) & t->mask) {
		const char *item = (const char *)arr + (size_t)(t->slot[h] - 1) *
		    item_size;
		const char *k = *(const char *const *)(const void *)(item +
		    off);

		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return item;
	}
	return NULL;
}

const struct rules_client *
rules_tls_find(const struct rules *r, const char *ja4, size_t ja4_len,
    const char *ja3, size_t ja3_len)
{
	const struct rules_client *c;

	c = table_find(&r->tls_index, r->tls, sizeof(*r->tls),
	    offsetof(struct rules_client, key), ja4, ja4_len);
	if (c == NULL)
		c = table_find(&r->tls_index, r->tls, sizeof(*r->tls),
		    offsetof(struct rules_client, key), ja3, ja3_len);
	return c;
}

const struct rules_client *
rules_http_find(const struct rules *r, const char *order, size_t len)
{
	return table_find(&r->http_index, r->http, sizeof(*r->http),
	    offsetof(struct rules_client, key), order, len);
}

const struct rules_tcp *
rules_tcp_find(const struct rules *r, const char *raw_sig)
{
	const struct rules_tcp *t;
	char buf[RULES_SIG_MAX];

	if (r->tcp_index.slot == NULL ||
	    !rules_tcp_normalize(raw_sig, buf, sizeof(buf), false))
		return NULL;
	t = table_find(&r->tcp_index, r->tcp, sizeof(*r->tcp),
	    offsetof(struct rules_tcp, sig), buf, strlen(buf));
	if (t == NULL && rules_tcp_normalize(raw_sig, buf, sizeof(buf), true))
		t = table_find(&r->tcp_index, r->tcp, sizeof(*r->tcp),
		    offsetof(struct rules_tcp, sig), buf, strlen(buf));
	return t;
}

/* The version after tok in ua: digits and dots, at most 3 numbers. */
static void
ua_version(const char *ua, size_t len, const char *tok, size_t tok_len,
    char *dst, size_t dstsz)
{
	const char *p = memmem(ua, len, tok, tok_len), *end = ua + len;
	size_t n = 0, dots = 0;

	dst[0] = '\0';
	if (p == NULL)
		return;
	p += tok_len;
	while (p < end && (*p == '/' || *p == ' '))
		p++;
	while (p + n < end && n + 1 < dstsz && ((p[n] >= '0' && p[n] <= '9') ||
	    (p[n] == '.' && dots < 2 && n > 0 && p[n - 1] != '.'))) {
		dots += p[n] == '.';
		n++;
	}
	if (n > 0 && p[n - 1] == '.')
		n--;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

void
rules_ua_parse(const struct rules *r, const char *ua, size_t len,
    struct rules_ua_claim *out)
{
	out->browser = NULL;
	out->os = NULL;
	out->version[0] = '\0';
	for (size_t i = 0; i < r->n_browsers; i++) {
		const struct rules_ua_browser *b = &r->browsers[i];

		if (memmem(ua, len, b->token, b->token_len) == NULL)
			continue;
		out->browser = b;
		if (b->version_token != NULL)
			ua_version(ua, len, b->version_token,
			    b->version_token_len, out->version,
			    sizeof(out->version));
		else
			ua_version(ua, len, b->token, b->token_len,
			    out->version, sizeof(out->version));
		break;
	}
	for (size_t i = 0; i < r->n_oses; i++) {
		if (memmem(ua, len, r->oses[i].token,
		    r->oses[i].token_len) != NULL) {
			out->os = &r->oses[i];
			break;
		}
	}
}
