/* models/labels.c: labels.yaml reader (libyaml document API). */
#include "models/labels.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_doc.h"

static const char *const head_names[LABELS_N_HEADS] = {
	[LABELS_CLIENT] = "client",
	[LABELS_OS] = "os",
};

struct lctx {
	yaml_document_t	*doc;
	const char	*path;
	struct labels	*l;
	char		*err;
	size_t		 errsz;
};

const char *
labels_head_name(enum labels_head head)
{
	return head < LABELS_N_HEADS ? head_names[head] : "?";
}

static int
fail(struct lctx *x, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	k = snprintf(x->err, x->errsz, "%s:%zu:%zu: ", x->path,
	    n != NULL ? n->start_mark.line + 1 : 0,
	    n != NULL ? n->start_mark.column + 1 : 0);
	if (k < 0 || (size_t)k >= x->errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + k, x->errsz - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

int
labels_class(const struct labels *l, enum labels_head head, const char *name)
{
	for (size_t i = 0; i < l->n_classes[head]; i++)
		if (strcmp(l->classes[head][i], name) == 0)
			return (int)i;
	return -1;
}

static int
read_classes(struct lctx *x, enum labels_head head, yaml_node_t *seq)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(x, seq, "%s_classes: a sequence of names expected",
		    head_names[head]);
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(x->doc, *it);
		const char *s = scalar(n);
		size_t *nc = &x->l->n_classes[head];

		if (s == NULL || s[0] == '\0' || strlen(s) >= LABELS_NAME_MAX)
			return fail(x, n, "class name expected (1 to %d "
			    "characters)", LABELS_NAME_MAX - 1);
		if (labels_class(x->l, head, s) >= 0)
			return fail(x, n, "class %s given twice", s);
		if (*nc == LABELS_MAX_CLASSES)
			return fail(x, n, "more than %d classes",
			    LABELS_MAX_CLASSES);
		memcpy(x->l->classes[head][(*nc)++], s, strlen(s) + 1);
	}
	if (x->l->n_classes[head] < 2)
		return fail(x, seq, "%s_classes: at least 2 classes",
		    head_names[head]);
	return 0;
}

static int
add_rule(struct lctx *x, const char *source, int head, int cls,
    const char *pattern)
{
	struct labels *l = x->l;
	struct labels_rule *r;

	if ((l->n_rules & (l->n_rules + 1)) == 0 || l->rules == NULL) {
		size_t cap = (l->n_rules + 1) * 2;
		void *p = realloc(l->rules, cap * sizeof(*l->rules));

		if (p == NULL)
			return fail(x, NULL, "%s", strerror(errno));
		l->rules = p;
	}
	r = &l->rules[l->n_rules];
	r->source = strdup(source);
	r->pattern = strdup(pattern);
	r->head = head;
	r->cls = cls;
	l->n_rules++;
	if (r->source == NULL || r->pattern == NULL)
		return fail(x, NULL, "%s", strerror(errno));
	return 0;
}

/* { class: [pattern, ...] } of one source and head. */
static int
read_head(struct lctx *x, const char *source, int head, yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(x, map, "%s.%s: a mapping of class to patterns "
		    "expected", source, head_names[head]);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
		const char *name = scalar(k);
		int cls = name != NULL ? labels_class(x->l, head, name) : -1;

		if (cls < 0)
			return fail(x, k, "%s.%s: unknown class '%s'", source,
			    head_names[head], name != NULL ? name : "?");
		if (v->type != YAML_SEQUENCE_NODE)
			return fail(x, v, "%s.%s.%s: a sequence of patterns "
			    "expected", source, head_names[head], name);
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			yaml_node_t *pn = yaml_document_get_node(x->doc, *it);
			const char *pat = scalar(pn);

			if (pat == NULL || pat[0] == '\0')
				return fail(x, pn, "pattern expected");
			if (add_rule(x, source, head, cls, pat) < 0)
				return -1;
		}
	}
	return 0;
}

static int
read_source(struct lctx *x, const char *source, yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(x, map, "%s: a mapping with client and/or os "
		    "expected", source);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
		const char *name = scalar(k);
		int head = -1;

		for (int h = 0; h < LABELS_N_HEADS; h++)
			if (name != NULL && strcmp(name, head_names[h]) == 0)
				head = h;
		if (head < 0)
			return fail(x, k, "%s: unknown key '%s' (client or "
			    "os)", source, name != NULL ? name : "?");
		if (read_head(x, source, head,
		    yaml_document_get_node(x->doc, p->value)) < 0)
			return -1;
	}
	return 0;
}

/* Top level: the two class lists first (sources name their classes). */
static int
read_top(struct lctx *x, yaml_node_t *root)
{
	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return fail(x, root, "a mapping expected");
	for (int pass = 0; pass < 2; pass++)
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		    p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(x->doc,
			    p->key);
			yaml_node_t *v = yaml_document_get_node(x->doc,
			    p->value);
			const char *name = scalar(k);
			bool is_classes = name != NULL &&
			    (strcmp(name, "client_classes") == 0 ||
			    strcmp(name, "os_classes") == 0);

			if (name == NULL)
				return fail(x, k, "key expected");
			if (pass == 0 && is_classes && read_classes(x,
			    name[0] == 'c' ? LABELS_CLIENT : LABELS_OS, v) < 0)
				return -1;
			if (pass == 1 && !is_classes &&
			    read_source(x, name, v) < 0)
				return -1;
		}
	for (int h = 0; h < LABELS_N_HEADS; h++)
		if (x->l->n_classes[h] == 0)
			return fail(x, root, "%s_classes missing",
			    head_names[h]);
	return 0;
}

int
labels_load(const char *path, struct labels *out, char *err, size_t errsz)
{
	yaml_document_t doc;
	struct lctx x = { &doc, path, out, err, errsz };
	int rc;

	memset(out, 0, sizeof(*out));
	if (yaml_doc_load(path, 0, &doc, err, errsz) != 0)
		return -1;
	rc = read_top(&x, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	if (rc < 0)
		labels_free(out);
	return rc;
}

void
labels_free(struct labels *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n_rules; i++) {
		free(l->rules[i].source);
		free(l->rules[i].pattern);
	}
	free(l->rules);
	memset(l, 0, sizeof(*l));
}

int
labels_match(const struct labels *l, const char *source,
    enum labels_head head, const char *name)
{
	for (size_t i = 0; i < l->n_rules; i++) {
		const struct labels_rule *r = &l->rules[i];

		if (r->head == (int)head && strcmp(r->source, source) == 0 &&
		    fnmatch(r->pattern, name, FNM_CASEFOLD) == 0)
			return r->cls;
	}
	return -1;
}
