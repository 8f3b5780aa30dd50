/* models/model_meta.c: <head>.yaml reader and writer. */
#include "models/model_meta.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_doc.h"

static int
meta_fail(char *err, size_t errsz, const char *path, const yaml_node_t *n,
    const char *fmt, ...)
{
	va_list ap;
	int k;

	if (n != NULL)
		k = snprintf(err, errsz, "%s:%zu:%zu: ", path,
		    n->start_mark.line + 1, n->start_mark.column + 1);
	else
		k = snprintf(err, errsz, "%s: ", path);
	if (k >= 0 && (size_t)k < errsz) {
		va_start(ap, fmt);
		vsnprintf(err + k, errsz - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool
parse_uint(const char *s, unsigned *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x > 1000000 ||
	    s[0] == '-')
		return false;
	*v = (unsigned)x;
	return true;
}

static int
read_classes(yaml_document_t *doc, yaml_node_t *v, struct model_meta *m,
    const char *path, char *err, size_t errsz)
{
	if (v->type != YAML_SEQUENCE_NODE)
		return meta_fail(err, errsz, path, v, "classes: a sequence "
		    "expected");
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(doc, *it);
		const char *s = n->type == YAML_SCALAR_NODE ?
		    (const char *)n->data.scalar.value : NULL;

		if (s == NULL || s[0] == '\0' || strlen(s) >= MODEL_NAME_MAX)
			return meta_fail(err, errsz, path, n, "class name "
			    "expected");
		if (m->n_classes == MODEL_MAX_CLASSES)
			return meta_fail(err, errsz, path, n, "more than %d "
			    "classes", MODEL_MAX_CLASSES);
		memcpy(m->classes[m->n_classes++], s, strlen(s) + 1);
	}
	return 0;
}

static int
read_pair(yaml_document_t *doc, yaml_node_t *k, yaml_node_t *v,
    struct model_meta *m, unsigned *seen, const char *path, char *err,
    size_t errsz)
{
	const char *key = k->type == YAML_SCALAR_NODE ?
	    (const char *)k->data.scalar.value : "";
	const char *val = v->type == YAML_SCALAR_NODE ?
	    (const char *)v->data.scalar.value : NULL;
	char *end;

	if (strcmp(key, "classes") == 0) {
		*seen |= 1;
		return read_classes(doc, v, m, path, err, errsz);
	}
	if (val == NULL)
		return meta_fail(err, errsz, path, v, "%s: a scalar expected",
		    key);
	if (strcmp(key, "features_version") == 0) {
		*seen |= 2;
		if (!parse_uint(val, &m->features_version))
			return meta_fail(err, errsz, path, v, "bad number");
	} else if (strcmp(key, "n_features") == 0) {
		*seen |= 4;
		if (!parse_uint(val, &m->n_features))
			return meta_fail(err, errsz, path, v, "bad number");
	} else if (strcmp(key, "temperature") == 0) {
		*seen |= 8;
		errno = 0;
		m->temperature = strtod(val, &end);
		if (errno != 0 || end == val || *end != '\0' ||
		    !isfinite(m->temperature) || m->temperature < 0.01 ||
		    m->temperature > 100)
			return meta_fail(err, errsz, path, v, "temperature: "
			    "a number in [0.01, 100] expected");
	} else if (strcmp(key, "head") != 0)
		return meta_fail(err, errsz, path, k, "unknown key '%s'", key);
	return 0;
}

int
model_meta_read(const char *path, struct model_meta *out, char *err,
    size_t errsz)
{
	yaml_document_t doc;
	yaml_node_t *root;
	unsigned seen = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (yaml_doc_load(path, 0, &doc, err, errsz) != 0)
		return -1;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE)
		rc = meta_fail(err, errsz, path, root, "a mapping expected");
	for (yaml_node_pair_t *p = rc == 0 ? root->data.mapping.pairs.start :
	    NULL; p != NULL && p < root->data.mapping.pairs.top && rc == 0;
	    p++)
		rc = read_pair(&doc, yaml_document_get_node(&doc, p->key),
		    yaml_document_get_node(&doc, p->value), out, &seen, path,
		    err, errsz);
	if (rc == 0 && seen != 15)
		rc = meta_fail(err, errsz, path, root, "classes, "
		    "features_version, n_features and temperature are "
		    "required");
	if (rc == 0 && out->n_classes < 2)
		rc = meta_fail(err, errsz, path, root, "at least 2 classes");
	yaml_document_delete(&doc);
	return rc;
}

int
model_meta_write(const char *path, const struct model_meta *m, char *err,
    size_t errsz)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return meta_fail(err, errsz, path, NULL, "%s",
		    strerror(errno));
	fprintf(f, "features_version: %u\nn_features: %u\n"
	    "temperature: %.6f\nclasses:\n", m->features_version,
	    m->n_features, m->temperature);
	for (size_t i = 0; i < m->n_classes; i++)
		fprintf(f, "  - %s\n", m->classes[i]);
	if (fclose(f) != 0)
		return meta_fail(err, errsz, path, NULL, "%s",
		    strerror(errno));
	return 0;
}
