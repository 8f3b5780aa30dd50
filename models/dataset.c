/* models/dataset.c: mercury / ja4db / fpsensor JSON -> labelled rows. */
#include "models/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define NIL	UINT32_MAX

static const char *const format_names[DS_N_FORMATS] = {
	[DS_MERCURY] = "mercury",
	[DS_JA4DB] = "ja4db",
	[DS_FPSENSOR] = "fpsensor",
	[DS_LEEBROTHERSTON] = "leebrotherston",
};

static const char *const split_names[DS_N_SPLITS] = {
	[DS_TRAIN] = "train",
	[DS_CALIB] = "calibration",
	[DS_TEST] = "test",
};

/* One input being read: the place for error messages. */
struct src {
	const char	*path;
	size_t		 line;
	char		*err;
	size_t		 errsz;
};

enum ds_format
ds_format_parse(const char *s)
{
	for (int i = 0; i < DS_N_FORMATS; i++)
		if (strcmp(s, format_names[i]) == 0)
			return (enum ds_format)i;
	return DS_N_FORMATS;
}

const char *
ds_format_name(enum ds_format f)
{
	return f < DS_N_FORMATS ? format_names[f] : "?";
}

const char *
ds_split_name(enum ds_split s)
{
	return s < DS_N_SPLITS ? split_names[s] : "?";
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

enum ds_split
ds_split_of(const char *key)
{
	unsigned b = (unsigned)(fnv1a(key) % 100);

	return b < 70 ? DS_TRAIN : b < 85 ? DS_CALIB : DS_TEST;
}

static int
src_fail(struct src *s, const char *why, const char *detail)
{
	snprintf(s->err, s->errsz, "%s:%zu: %s%s%s", s->path, s->line, why,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	return -1;
}

/* --- rows ---------------------------------------------------------------- */

static int
index_grow(struct dataset *ds)
{
	size_t cap = ds->index_cap ? ds->index_cap * 2 : 1024;
	uint32_t *ix = malloc(cap * sizeof(*ix));

	if (ix == NULL)
		return -1;
	for (size_t i = 0; i < cap; i++)
		ix[i] = NIL;
	for (size_t r = 0; r < ds->n_rows; r++) {
		size_t j = fnv1a(ds->rows[r].key) & (cap - 1);

		while (ix[j] != NIL)
			j = (j + 1) & (cap - 1);
		ix[j] = (uint32_t)r;
	}
	free(ds->index);
	ds->index = ix;
	ds->index_cap = cap;
	return 0;
}

/* The row of key (created with vector x when new), or NULL (no memory). */
static struct ds_row *
row_for(struct dataset *ds, const char *key, const float *x)
{
	size_t j = 0;
	struct ds_row *r;

	if (ds->merge) {
		if ((ds->n_rows + 1) * 2 > ds->index_cap &&
		    index_grow(ds) < 0)
			return NULL;
		j = fnv1a(key) & (ds->index_cap - 1);
		for (; ds->index[j] != NIL; j = (j + 1) & (ds->index_cap - 1))
			if (strcmp(ds->rows[ds->index[j]].key, key) == 0)
				return &ds->rows[ds->index[j]];
	}
	if (ds->n_rows == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 1024;
		void *p = realloc(ds->rows, cap * sizeof(*ds->rows));

		if (p == NULL)
			return NULL;
		ds->rows = p;
		ds->cap = cap;
	}
	r = &ds->rows[ds->n_rows];
	memset(r, 0, sizeof(*r));
	if ((r->key = strdup(key)) == NULL)
		return NULL;
	memcpy(r->x, x, sizeof(r->x));
	r->split = ds_split_of(key);
	if (ds->merge)
		ds->index[j] = (uint32_t)ds->n_rows;
	ds->n_rows++;
	return r;
}

/* --- JSON through libyaml ------------------------------------------------- */

static yaml_node_t *
member(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *
str_of(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return NULL;		/* JSON strings are quoted */
	return (const char *)n->data.scalar.value;
}

static double
num_of(yaml_node_t *n)
{
	char *end;
	double v;

	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NAN;
	v = strtod((const char *)n->data.scalar.value, &end);
	return *end == '\0' && isfinite(v) && v >= 0 ? v : NAN;
}

static int
load_doc(struct src *s, const unsigned char *buf, size_t len,
    yaml_document_t *doc)
{
	yaml_parser_t p;
	int ok;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, buf, len);
	ok = yaml_parser_load(&p, doc);
	if (!ok) {
		char where[64];

		snprintf(where, sizeof(where), "column %zu: %s",
		    p.problem_mark.column + 1,
		    p.problem != NULL ? p.problem : "?");
		src_fail(s, "not JSON", where);
	}
	yaml_parser_delete(&p);
	if (ok && yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		return 1;		/* empty line */
	}
	return ok ? 0 : -1;
}

/* --- formats -------------------------------------------------------------- */

static void
tally(struct dataset *ds, struct ds_row *r, int head, int cls, double w)
{
	if (cls < 0)
		ds->n_unmapped[head]++;
	else if (!isnan(w))
		r->tally[head][cls] += w;
}

static int
mercury_record(struct dataset *ds, const struct labels *l,
    yaml_document_t *d, struct src *s)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	yaml_node_t *pi = member(d, root, "process_info");
	const char *sr = str_of(member(d, root, "str_repr"));
	char ja4r[FEATURES_JA4R_MAX + 1];
	float x[FEATURES_N];
	struct ds_row *r;

	if (sr == NULL || features_from_str_repr(sr, strlen(sr), x, ja4r,
	    sizeof(ja4r)) != FEATURES_OK) {
		ds->n_malformed++;
		return 0;
	}
	if ((r = row_for(ds, ja4r, x)) == NULL)
		return src_fail(s, "out of memory", NULL);
	r->sources |= 1u << DS_MERCURY;
	r->n_records++;
	if (pi == NULL || pi->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = pi->data.sequence.items.start;
	    it < pi->data.sequence.items.top; it++) {
		yaml_node_t *p = yaml_document_get_node(d, *it);
		const char *proc = str_of(member(d, p, "process"));
		yaml_node_t *os = member(d, p, "os_info");

		if (proc != NULL)
			tally(ds, r, LABELS_CLIENT, labels_match(l, "mercury",
			    LABELS_CLIENT, proc), num_of(member(d, p,
			    "count")));
		if (os == NULL || os->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *q = os->data.mapping.pairs.start;
		    q < os->data.mapping.pairs.top; q++) {
			const char *k = str_of(yaml_document_get_node(d,
			    q->key));

			if (k != NULL)
				tally(ds, r, LABELS_OS, labels_match(l,
				    "mercury", LABELS_OS, k),
				    num_of(yaml_document_get_node(d,
				    q->value)));
		}
	}
	return 0;
}

static int
fpsensor_record(struct dataset *ds, const struct labels *l,
    yaml_document_t *d, struct src *s)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	yaml_node_t *lab = member(d, root, "label");
	const char *ja4r = str_of(member(d, member(d, root, "tls"), "ja4_r"));
	float x[FEATURES_N];
	struct ds_row *r;

	if (ja4r == NULL || features_from_ja4r(ja4r, strlen(ja4r), x) !=
	    FEATURES_OK) {
		ds->n_malformed++;
		return 0;
	}
	if ((r = row_for(ds, ja4r, x)) == NULL)
		return src_fail(s, "out of memory", NULL);
	r->sources |= 1u << DS_FPSENSOR;
	r->n_records++;
	for (int h = 0; h < LABELS_N_HEADS; h++) {
		const char *name = str_of(member(d, lab,
		    labels_head_name((enum labels_head)h)));
		int cls;

		if (name == NULL) {
			ds->n_unmapped[h]++;
			continue;
		}
		if ((cls = labels_class(l, (enum labels_head)h, name)) < 0)
			return src_fail(s, "unknown class", name);
		r->tally[h][cls] += 1;
	}
	return 0;
}

static int
ja4db_record(struct dataset *ds, const struct labels *l, yaml_document_t *d,
    yaml_node_t *rec)
{
	const char *ja4r = str_of(member(d, rec, "ja4_fingerprint_string"));
	const char *app = str_of(member(d, rec, "application"));
	const char *lib = str_of(member(d, rec, "library"));
	const char *os = str_of(member(d, rec, "os"));
	float x[FEATURES_N];
	struct ds_row *r;
	int cls = -1;

	ds->n_records++;
	if (ja4r == NULL || features_from_ja4r(ja4r, strlen(ja4r), x) !=
	    FEATURES_OK) {
		ds->n_malformed++;
		return 0;
	}
	if ((r = row_for(ds, ja4r, x)) == NULL)
		return -1;
	r->sources |= 1u << DS_JA4DB;
	r->n_records++;
	if (app != NULL && app[0] != '\0')
		cls = labels_match(l, "ja4db", LABELS_CLIENT, app);
	if (cls < 0 && lib != NULL && lib[0] != '\0')
		cls = labels_match(l, "ja4db", LABELS_CLIENT, lib);
	tally(ds, r, LABELS_CLIENT, cls, 1);
	if (os != NULL && os[0] != '\0')
		tally(ds, r, LABELS_OS, labels_match(l, "ja4db", LABELS_OS,
		    os), 1);
	return 0;
}

/* "0x00FF 0xC024 ..." into list (at most cap values).  false when a
 * token is not 0x and 1-4 hex digits. */
static bool
hex_list(const char *s, uint16_t *list, uint16_t *n, size_t cap)
{
	*n = 0;
	while (s != NULL && *s != '\0') {
		char *end;
		unsigned long v;

		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
			return false;
		v = strtoul(s + 2, &end, 16);
		if (end == s + 2 || end - (s + 2) > 4 ||
		    (*end != ' ' && *end != '\0'))
			return false;
		if (*n < cap)
			list[(*n)++] = (uint16_t)v;
		s = end;
	}
	return true;
}

static bool
has_ext(const struct tls_client_hello *ch, uint16_t t)
{
	for (size_t i = 0; i < ch->n_extensions; i++)
		if (ch->extensions[i] == t)
			return true;
	return false;
}

static int
lb_record(struct dataset *ds, const struct labels *l, yaml_document_t *d,
    struct src *s)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	const char *desc = str_of(member(d, root, "desc"));
	struct tls_client_hello ch;
	uint16_t ver[1], n_ver = 0;
	char ja4r[FEATURES_JA4R_MAX + 1];
	float x[FEATURES_N];
	struct ds_row *r;

	memset(&ch, 0, sizeof(ch));
	if (!hex_list(str_of(member(d, root, "tls_version")), ver, &n_ver,
	    1) || n_ver != 1 ||
	    !hex_list(str_of(member(d, root, "ciphersuite")), ch.ciphers,
	    &ch.n_ciphers, TLS_MAX_CIPHERS) ||
	    !hex_list(str_of(member(d, root, "extensions")), ch.extensions,
	    &ch.n_extensions, TLS_MAX_EXTENSIONS) ||
	    !hex_list(str_of(member(d, root, "sig_alg")), ch.sig_algs,
	    &ch.n_sig_algs, TLS_MAX_SIG_ALGS) ||
	    !hex_list(str_of(member(d, root, "e_curves")), ch.groups,
	    &ch.n_groups, TLS_MAX_GROUPS) || ch.n_ciphers == 0) {
		ds->n_malformed++;
		return 0;
	}
	ch.legacy_version = ver[0];
	ch.has_sni = has_ext(&ch, TLS_EXT_SERVER_NAME);
	if (features_from_hello(&ch, 't', x, ja4r, sizeof(ja4r)) !=
	    FEATURES_OK) {
		ds->n_malformed++;
		return 0;
	}
	if (has_ext(&ch, TLS_EXT_ALPN)) {
		x[features_index("alpn_first")] = NAN;
		x[features_index("alpn_last")] = NAN;
		ja4r[8] = ja4r[9] = '?';
	}
	if (has_ext(&ch, TLS_EXT_SUPPORTED_VERSIONS)) {
		x[features_index("tls_version")] = NAN;
		ja4r[1] = ja4r[2] = '?';
	}
	if ((r = row_for(ds, ja4r, x)) == NULL)
		return src_fail(s, "out of memory", NULL);
	r->sources |= 1u << DS_LEEBROTHERSTON;
	r->n_records++;
	for (int h = 0; h < LABELS_N_HEADS; h++)
		if (desc != NULL)
			tally(ds, r, h, labels_match(l, "leebrotherston",
			    (enum labels_head)h, desc), 1);
	return 0;
}

/* --- files ---------------------------------------------------------------- */

static FILE *
open_input(const char *path, bool *is_pipe)
{
	size_t n = strlen(path);
	char cmd[4200];

	*is_pipe = n > 3 && strcmp(path + n - 3, ".gz") == 0;
	if (!*is_pipe)
		return fopen(path, "r");
	if (strchr(path, '\'') != NULL || n > 4096) {
		errno = EINVAL;
		return NULL;
	}
	if (access(path, R_OK) != 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "gzip -dc -- '%s'", path);
	return popen(cmd, "r");
}

static int
close_input(FILE *f, bool is_pipe)
{
	if (!is_pipe)
		return fclose(f) == 0 ? 0 : -1;
	return pclose(f) == 0 ? 0 : -1;
}

static int
read_lines(struct dataset *ds, const struct labels *l, enum ds_format fmt,
    FILE *f, struct src *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		yaml_document_t doc;
		int k;

		s->line++;
		if ((k = load_doc(s, (unsigned char *)line, (size_t)n,
		    &doc)) != 0) {
			rc = k < 0 ? -1 : 0;
			continue;
		}
		ds->n_records++;
		rc = fmt == DS_MERCURY ? mercury_record(ds, l, &doc, s) :
		    fmt == DS_LEEBROTHERSTON ? lb_record(ds, l, &doc, s) :
		    fpsensor_record(ds, l, &doc, s);
		yaml_document_delete(&doc);
	}
	free(line);
	return rc;
}

static int
read_array(struct dataset *ds, const struct labels *l, FILE *f,
    struct src *s)
{
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	if (!yaml_parser_load(&p, &doc)) {
		s->line = p.problem_mark.line + 1;
		src_fail(s, "not JSON", p.problem);
		yaml_parser_delete(&p);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_SEQUENCE_NODE)
		rc = src_fail(s, "a JSON array of records expected", NULL);
	for (yaml_node_item_t *it = rc == 0 ?
	    root->data.sequence.items.start : NULL; it != NULL &&
	    it < root->data.sequence.items.top && rc == 0; it++)
		if (ja4db_record(ds, l, &doc, yaml_document_get_node(&doc,
		    *it)) < 0)
			rc = src_fail(s, "out of memory", NULL);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

int
ds_read(struct dataset *ds, const struct labels *l, enum ds_format fmt,
    const char *path, char *err, size_t errsz)
{
	struct src s = { path, 0, err, errsz };
	bool is_pipe;
	FILE *f = open_input(path, &is_pipe);
	int rc;

	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ds->n_rows == 0)
		ds->merge = fmt == DS_MERCURY;
	rc = fmt == DS_JA4DB ? read_array(ds, l, f, &s) :
	    read_lines(ds, l, fmt, f, &s);
	if (ferror(f) && rc == 0)
		rc = src_fail(&s, "read error", strerror(errno));
	if (close_input(f, is_pipe) != 0 && rc == 0) {
		snprintf(err, errsz, "%s: %s", path, is_pipe ?
		    "gzip -dc failed (not gzip, or truncated)" :
		    strerror(errno));
		rc = -1;
	}
	return rc;
}

void
ds_finish(struct dataset *ds)
{
	for (int h = 0; h < LABELS_N_HEADS; h++)
		ds->n_unlabelled[h] = 0;
	for (size_t i = 0; i < ds->n_rows; i++) {
		struct ds_row *r = &ds->rows[i];

		for (int h = 0; h < LABELS_N_HEADS; h++) {
			double best = 0;

			r->label[h] = -1;
			for (int c = 0; c < LABELS_MAX_CLASSES; c++)
				if (r->tally[h][c] > best) {
					best = r->tally[h][c];
					r->label[h] = c;
				}
			if (r->label[h] < 0)
				ds->n_unlabelled[h]++;
		}
	}
}

void
ds_free(struct dataset *ds)
{
	for (size_t i = 0; i < ds->n_rows; i++)
		free(ds->rows[i].key);
	free(ds->rows);
	free(ds->index);
	memset(ds, 0, sizeof(*ds));
}
