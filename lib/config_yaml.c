/* lib/config_yaml.c: a configuration file (a flat YAML mapping of option
 * names to values) read with libyaml's event parser, so every value keeps
 * its line and column.  Nothing nests deeper than the table allows: a
 * value of the wrong shape is an error where it starts, never a walk. */
#include "config_yaml.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "opt.h"

#define CFG_MAX_VALUES	4096	/* a hostile file cannot grow c */

struct yreader {
	struct cfg	*c;
	const char	*path;		/* owned by c */
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	bool		 has_ev;
	char		*err;
	size_t		 errsz;
	bool		*seen;		/* per option */
	unsigned	*seen_line;
};

static int FP_PRINTF(3, 4)
yerr(struct yreader *r, const yaml_mark_t *m, const char *fmt, ...)
{
	char why[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errsz, "%s:%zu:%zu: %s", r->path, m->line + 1,
	    m->column + 1, why);
	return -1;
}

/* The next event into r->ev; libyaml's own errors with their mark. */
static int
next(struct yreader *r)
{
	if (r->has_ev)
		yaml_event_delete(&r->ev);
	r->has_ev = false;
	if (!yaml_parser_parse(&r->parser, &r->ev)) {
		yaml_parser_t *p = &r->parser;
		const char *ctx = p->context != NULL ? p->context : NULL;

		if (p->problem == NULL)
			return yerr(r, &p->problem_mark, "cannot read: %s",
			    strerror(errno));
		if (ctx != NULL)
			return yerr(r, &p->problem_mark, "YAML: %s %s",
			    p->problem, ctx);
		return yerr(r, &p->problem_mark, "YAML: %s", p->problem);
	}
	r->has_ev = true;
	if (r->ev.type == YAML_ALIAS_EVENT)
		return yerr(r, &r->ev.start_mark, "YAML aliases are not "
		    "supported in a configuration file");
	return 0;
}

static const char *
shape(yaml_event_type_t t)
{
	switch (t) {
	case YAML_SEQUENCE_START_EVENT: return "a sequence";
	case YAML_MAPPING_START_EVENT: return "a mapping";
	default: return "a scalar";
	}
}

static const char *
wanted(enum cfg_type t)
{
	switch (t) {
	case CFG_FLAG: return "true or false";
	case CFG_COUNT:
	case CFG_NUMBER: return "an integer";
	case CFG_LIST: return "a sequence or a comma-separated string";
	case CFG_KV: return "a mapping of settings to values";
	default: return "a string";
	}
}

static bool
is_plain(const yaml_event_t *ev)
{
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool
is_null(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;

	return is_plain(ev) && (s[0] == '\0' || strcmp(s, "~") == 0 ||
	    strcasecmp(s, "null") == 0);
}

/* YAML 1.1 booleans: -1 when s is none. */
static int
yaml_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

static struct cfg_value *
add(struct yreader *r, const struct cfg_option *o, const yaml_mark_t *m)
{
	if (r->c->n_vals >= CFG_MAX_VALUES)
		return NULL;
	return cfg_add_file_value(r->c, o, r->path, (unsigned)m->line + 1,
	    (unsigned)m->column + 1);
}


static int FP_PRINTF(4, 5)
key_err(struct yreader *r, const yaml_mark_t *m, const struct cfg_option *o,
    const char *fmt, ...)
{
	char why[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return yerr(r, m, "key '%s': %s", o->name, why);
}

/* A number of option o from a plain scalar. */
static int
number(struct yreader *r, const struct cfg_option *o, const char *s,
    uint64_t *out)
{
	const yaml_mark_t *m = &r->ev.start_mark;

	if (!is_plain(&r->ev))
		return key_err(r, m, o, "expected an integer, got the string "
		    "'%s'", s);
	if (s[0] == '-')
		return key_err(r, m, o, "%s is negative; expected a number "
		    "from %" PRIu64 " to %" PRIu64, s, o->min, o->max);
	if (opt_parse_number(s, o->min, o->max, out) != 0)
		return key_err(r, m, o, "'%s' is not a number from %" PRIu64
		    " to %" PRIu64, s, o->min, o->max);
	return 0;
}

static int
check_file(struct yreader *r, const struct cfg_option *o, const char *s)
{
	const yaml_mark_t *m = &r->ev.start_mark;
	struct stat st;

	if (o->type != CFG_FILE || ((o->flags & CFG_F_DASH) &&
	    strcmp(s, "-") == 0))
		return 0;
	if (stat(s, &st) != 0 || access(s, R_OK) != 0)
		return key_err(r, m, o, "%s: %s", s, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return key_err(r, m, o, "%s: is a directory", s);
	return 0;
}

/* The value of a scalar option (not a list or settings). */
static int
scalar(struct yreader *r, const struct cfg_option *o)
{
	const yaml_mark_t *m = &r->ev.start_mark;
	const char *s = (const char *)r->ev.data.scalar.value;
	size_t len = r->ev.data.scalar.length;
	struct cfg_value *v;
	uint64_t num = 1;
	int b;

	if (strlen(s) != len)
		return key_err(r, m, o, "NUL byte in the value");
	switch (o->type) {
	case CFG_FLAG:
		if (!is_plain(&r->ev) || (b = yaml_bool(s)) < 0)
			return key_err(r, m, o, "expected true or false, got "
			    "'%s'", s);
		if (b == 0)
			return 0;	/* false: as if not given */
		break;
	case CFG_COUNT:
	case CFG_NUMBER:
		if (number(r, o, s, &num) != 0)
			return -1;
		break;
	default:
		if (is_null(&r->ev))
			return key_err(r, m, o, "no value; expected %s",
			    wanted(o->type));
		if (check_file(r, o, s) != 0)
			return -1;
		break;
	}
	if ((v = add(r, o, m)) == NULL)
		return yerr(r, m, "more than %d values", CFG_MAX_VALUES);
	v->str = cfg_keep(r->c, s, len);
	v->num = num;
	return 0;
}

/* [a, b, c] -> "a,b,c". */
static int
list(struct yreader *r, const struct cfg_option *o)
{
	yaml_mark_t start = r->ev.start_mark;
	char buf[4096];
	size_t n = 0;
	struct cfg_value *v;

	for (;;) {
		const char *s;

		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return key_err(r, &r->ev.start_mark, o, "expected a "
			    "string item, got %s", shape(r->ev.type));
		s = (const char *)r->ev.data.scalar.value;
		if (s[0] == '\0' || strchr(s, ',') != NULL)
			return key_err(r, &r->ev.start_mark, o, "item '%s': "
			    "empty or with a comma", s);
		if (n + strlen(s) + 2 > sizeof(buf))
			return key_err(r, &r->ev.start_mark, o, "list longer "
			    "than %zu bytes", sizeof(buf));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n ? "," : "", s);
	}
	if (n == 0)
		return key_err(r, &start, o, "empty list");
	if ((v = add(r, o, &start)) == NULL)
		return yerr(r, &start, "more than %d values", CFG_MAX_VALUES);
	v->str = cfg_keep(r->c, buf, n);
	return 0;
}

/* {key: value, ...} -> one "key=value" per pair, each at its key. */
static int
settings(struct yreader *r, const struct cfg_option *o)
{
	for (;;) {
		yaml_mark_t km;
		char kv[2048];
		struct cfg_value *v;
		int n;

		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		km = r->ev.start_mark;
		if (r->ev.type != YAML_SCALAR_EVENT ||
		    r->ev.data.scalar.value[0] == '\0')
			return key_err(r, &km, o, "expected a setting name, "
			    "got %s", shape(r->ev.type));
		n = snprintf(kv, sizeof(kv), "%s=",
		    (const char *)r->ev.data.scalar.value);
		if (next(r) != 0)
			return -1;
		if (r->ev.type != YAML_SCALAR_EVENT || is_null(&r->ev))
			return key_err(r, &r->ev.start_mark, o, "setting %.*s: "
			    "expected a value, got %s", n - 1, kv,
			    is_null(&r->ev) ? "nothing" : shape(r->ev.type));
		n += snprintf(kv + n, sizeof(kv) - (size_t)n, "%s",
		    (const char *)r->ev.data.scalar.value);
		if ((size_t)n >= sizeof(kv))
			return key_err(r, &km, o, "setting longer than %zu "
			    "bytes", sizeof(kv) - 1);
		if ((v = add(r, o, &km)) == NULL)
			return yerr(r, &km, "more than %d values",
			    CFG_MAX_VALUES);
		v->str = cfg_keep(r->c, kv, (size_t)n);
	}
}

/* The value of o, starting at the current event. */
static int
value(struct yreader *r, const struct cfg_option *o)
{
	yaml_event_type_t t = r->ev.type;

	if (t == YAML_SCALAR_EVENT)
		return scalar(r, o);
	if (t == YAML_SEQUENCE_START_EVENT && o->type == CFG_LIST)
		return list(r, o);
	if (t == YAML_MAPPING_START_EVENT && o->type == CFG_KV)
		return settings(r, o);
	return key_err(r, &r->ev.start_mark, o, "expected %s, got %s",
	    wanted(o->type), shape(t));
}

static const struct cfg_option *
lookup(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_opts; i++)
		if (strcmp(c->opts[i].name, name) == 0)
			return &c->opts[i];
	return NULL;
}

/* One "key: value" pair; the key's event is current. */
static int
pair(struct yreader *r)
{
	const yaml_mark_t km = r->ev.start_mark;
	const char *k = (const char *)r->ev.data.scalar.value;
	const struct cfg_option *o = lookup(r->c, k), *near;
	size_t i;

	if (o == NULL) {
		near = cfg_nearest(r->c, k);
		if (near != NULL)
			return yerr(r, &km, "key '%s': unknown key (did you "
			    "mean '%s'?)", k, near->name);
		return yerr(r, &km, "key '%s': unknown key", k);
	}
	if (o->flags & CFG_F_CLI_ONLY)
		return yerr(r, &km, "key '%s': only on the command line", k);
	i = (size_t)(o - r->c->opts);
	if (r->seen[i])
		return yerr(r, &km, "key '%s': duplicate key (first at line "
		    "%u)", k, r->seen_line[i]);
	r->seen[i] = true;
	r->seen_line[i] = (unsigned)km.line + 1;
	if (next(r) != 0)
		return -1;
	return value(r, o);
}

/* The document: a mapping of keys, or empty. */
static int
document(struct yreader *r)
{
	if (next(r) != 0)
		return -1;
	if (r->ev.type == YAML_SCALAR_EVENT && is_null(&r->ev))
		return next(r);		/* "---" alone: no settings */
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return yerr(r, &r->ev.start_mark, "expected a mapping of "
		    "option names to values, got %s", shape(r->ev.type));
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return next(r);
		if (r->ev.type != YAML_SCALAR_EVENT)
			return yerr(r, &r->ev.start_mark, "expected an option "
			    "name, got %s", shape(r->ev.type));
		if (pair(r) != 0)
			return -1;
	}
}

static int
stream(struct yreader *r)
{
	if (next(r) != 0)		/* STREAM-START */
		return -1;
	if (next(r) != 0)
		return -1;
	if (r->ev.type == YAML_STREAM_END_EVENT)
		return 0;		/* empty file */
	if (document(r) != 0)		/* leaves DOCUMENT-END current */
		return -1;
	if (next(r) != 0)
		return -1;
	if (r->ev.type != YAML_STREAM_END_EVENT)
		return yerr(r, &r->ev.start_mark, "more than one YAML "
		    "document");
	return 0;
}

int
cfg_yaml_read(struct cfg *c, const char *path, const uint8_t *buf,
    size_t len, char *err, size_t errsz)
{
	struct yreader r;
	FILE *fp = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.path = cfg_keep(c, path, strlen(path));
	r.err = err;
	r.errsz = errsz;
	if (buf == NULL && (fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	r.seen = calloc(c->n_opts, sizeof(*r.seen));
	r.seen_line = calloc(c->n_opts, sizeof(*r.seen_line));
	if (r.seen == NULL || r.seen_line == NULL ||
	    !yaml_parser_initialize(&r.parser))
		fatal(CFG_EXIT_USAGE, "config");
	if (fp != NULL)
		yaml_parser_set_input_file(&r.parser, fp);
	else
		yaml_parser_set_input_string(&r.parser, buf, len);
	rc = stream(&r);
	if (r.has_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	if (fp != NULL)
		fclose(fp);
	free(r.seen);
	free(r.seen_line);
	return rc;
}
