/* lib/config.c: the option table applied to argv and to a YAML file. */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_yaml.h"
#include "opt.h"

#define CFG_LONG_BASE	1000	/* getopt value of long-only option 0 */

void
cfg_init(struct cfg *c, const char *prog, const struct cfg_option *opts,
    size_t n)
{
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->opts = opts;
	c->n_opts = n;
	c->last = calloc(n, sizeof(*c->last));
	if (c->last == NULL)
		fatal(CFG_EXIT_USAGE, "config");
	/* A table whose field cannot hold its range is a programming
	 * error: refuse it at once, not when a value arrives. */
	for (size_t i = 0; i < n; i++) {
		const struct cfg_option *o = &opts[i];
		size_t sz = o->field_size;

		assert(sz == 0 || o->type != CFG_NUMBER || sz >= 8 ||
		    o->max < (UINT64_C(1) << (sz * 8)));
		assert(o->name != NULL && o->name[0] != '\0');
	}
}

void
cfg_free(struct cfg *c)
{
	for (size_t i = 0; i < c->n_strs; i++)
		free(c->strs[i]);
	free(c->strs);
	free(c->vals);
	free(c->last);
	memset(c, 0, sizeof(*c));
}

/* A copy of s[0..len) owned by c. */
static const char *
cfg_strndup(struct cfg *c, const char *s, size_t len)
{
	char *d;

	if (c->n_strs == c->cap_strs) {
		size_t cap = c->cap_strs ? c->cap_strs * 2 : 32;
		char **n = realloc(c->strs, cap * sizeof(*n));

		if (n == NULL)
			fatal(CFG_EXIT_USAGE, "config");
		c->strs = n;
		c->cap_strs = cap;
	}
	if ((d = malloc(len + 1)) == NULL)
		fatal(CFG_EXIT_USAGE, "config");
	memcpy(d, s, len);
	d[len] = '\0';
	c->strs[c->n_strs++] = d;
	return d;
}

static struct cfg_value *
cfg_push(struct cfg *c)
{
	if (c->n_vals == c->cap_vals) {
		size_t cap = c->cap_vals ? c->cap_vals * 2 : 32;
		struct cfg_value *n = realloc(c->vals, cap * sizeof(*n));

		if (n == NULL)
			fatal(CFG_EXIT_USAGE, "config");
		c->vals = n;
		c->cap_vals = cap;
	}
	memset(&c->vals[c->n_vals], 0, sizeof(c->vals[0]));
	return &c->vals[c->n_vals++];
}

static void FP_PRINTF(2, 0)
cfg_vdie(const struct cfg_value *v, const char *fmt, va_list ap)
{
	char why[1024];

	vsnprintf(why, sizeof(why), fmt, ap);
	if (v->file != NULL)
		fatalx(CFG_EXIT_USAGE, "%s:%u:%u: key '%s': %s", v->file,
		    v->line, v->col, v->opt->name, why);
	fatalx(CFG_EXIT_USAGE, "--%s: %s", v->opt->name, why);
}

void
cfg_die(const struct cfg_value *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vdie(v, fmt, ap);
	va_end(ap);
	exit(CFG_EXIT_USAGE);
}

const char *
cfg_where(const struct cfg *c, const char *name)
{
	static char buf[1200];

	for (size_t i = 0; i < c->n_opts; i++) {
		const struct cfg_value *v = c->last[i];

		if (strcmp(c->opts[i].name, name) != 0)
			continue;
		if (v != NULL && v->file != NULL) {
			snprintf(buf, sizeof(buf), "%s:%u:%u: key '%s'",
			    v->file, v->line, v->col, name);
			return buf;
		}
		break;
	}
	snprintf(buf, sizeof(buf), "--%s", name);
	return buf;
}

/* The unsigned integer of size bytes at p. */
static uint64_t
cfg_field_u(const unsigned char *p, size_t size)
{
	switch (size) {
	case 8: return *(const uint64_t *)(const void *)p;
	case 4: return *(const uint32_t *)(const void *)p;
	case 2: return *(const uint16_t *)(const void *)p;
	default: return *p;
	}
}

const char *
cfg_where_quoted(const struct cfg *c, const char *name, const char *text)
{
	static char buf[1200];

	for (size_t i = c->n_vals; i-- > 0;) {
		const struct cfg_value *v = &c->vals[i];

		if (strcmp(v->opt->name, name) != 0 || v->str == NULL ||
		    strstr(text, v->str) == NULL)
			continue;
		if (v->file == NULL)
			break;
		snprintf(buf, sizeof(buf), "%s:%u:%u: key '%s'", v->file,
		    v->line, v->col, name);
		return buf;
	}
	return cfg_where(c, name);
}

/* "WHERE: " for a message, or "" when where is the command line's "--x"
 * (the loader's own message names the option then). */
static const char *
cfg_prefix_of(const char *where)
{
	static char buf[1300];

	if (strncmp(where, "--", 2) == 0)
		return "";
	snprintf(buf, sizeof(buf), "%s: ", where);
	return buf;
}

const char *
cfg_prefix(const struct cfg *c, const char *name)
{
	return cfg_prefix_of(cfg_where(c, name));
}

const char *
cfg_prefix_quoted(const struct cfg *c, const char *name, const char *text)
{
	return cfg_prefix_of(cfg_where_quoted(c, name, text));
}

static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag +
			    (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

const struct cfg_option *
cfg_nearest(const struct cfg *c, const char *name)
{
	const struct cfg_option *best = NULL;
	size_t best_d = 99, len = strlen(name);

	for (size_t i = 0; i < c->n_opts; i++) {
		size_t d;

		if (c->opts[i].flags & CFG_F_CLI_ONLY)
			continue;
		d = edit_distance(name, c->opts[i].name);
		if (d < best_d) {
			best_d = d;
			best = &c->opts[i];
		}
	}
	/* Close enough to be a typo: a third of the name, at least 2. */
	if (best == NULL || best_d > (len / 3 > 2 ? len / 3 : 2))
		return NULL;
	return best;
}

/* Check a command-line value of a numeric option into v->num. */
static void
argv_value(struct cfg *c, struct cfg_value *v, const char *arg)
{
	const struct cfg_option *o = v->opt;

	v->str = arg != NULL ? arg : "1";
	v->num = 1;
	if (o->type == CFG_NUMBER && opt_parse_number(arg, o->min, o->max,
	    &v->num) != 0)
		cfg_die(v, "'%s' is not a number from %" PRIu64 " to %" PRIu64,
		    arg, o->min, o->max);
	if ((o->type == CFG_STRING || o->type == CFG_FILE ||
	    o->type == CFG_PATH) && arg[0] == '\0')
		cfg_die(v, "empty value");
	if (strcmp(o->name, "config") == 0)
		c->config_path = arg;
	if (strcmp(o->name, "check-config") == 0)
		c->check_only = true;
}

/* getopt_long's table and short option string, from c->opts. */
static struct option *
argv_table(const struct cfg *c, char *shorts, size_t shorts_sz)
{
	struct option *lo = calloc(c->n_opts + 1, sizeof(*lo));
	size_t k = 0;

	if (lo == NULL)
		fatal(CFG_EXIT_USAGE, "config");
	shorts[k++] = ':';
	for (size_t i = 0; i < c->n_opts; i++) {
		const struct cfg_option *o = &c->opts[i];
		bool has_arg = o->type != CFG_FLAG && o->type != CFG_COUNT;

		lo[i].name = o->name;
		lo[i].has_arg = has_arg ? required_argument : no_argument;
		lo[i].val = o->short_name ? o->short_name :
		    CFG_LONG_BASE + (int)i;
		if (o->short_name && k + 3 < shorts_sz) {
			shorts[k++] = (char)o->short_name;
			if (has_arg)
				shorts[k++] = ':';
		}
	}
	shorts[k] = '\0';
	return lo;
}

void
cfg_parse_argv(struct cfg *c, int argc, char **argv, cfg_apply_fn *apply,
    void *arg, void (*usage_fn)(void))
{
	char shorts[256];
	struct option *lo = argv_table(c, shorts, sizeof(shorts));
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct cfg_option *o = NULL;
		struct cfg_value *v;

		for (size_t i = 0; i < c->n_opts && o == NULL; i++)
			if (ch == (c->opts[i].short_name ? c->opts[i].short_name
			    : CFG_LONG_BASE + (int)i))
				o = &c->opts[i];
		if (o == NULL) {
			if (ch == ':')
				fprintf(stderr, "%s: option '%s' needs a "
				    "value\n", c->prog, argv[optind - 1]);
			else
				fprintf(stderr, "%s: unknown option '%s'\n",
				    c->prog, argv[optind - 1]);
			free(lo);
			usage_fn();
			exit(CFG_EXIT_USAGE);
		}
		v = cfg_push(c);
		v->opt = o;
		argv_value(c, v, optarg);
		if (o->flags & CFG_F_NOW)
			apply(arg, v);
	}
	free(lo);
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", c->prog,
		    argv[optind]);
		usage_fn();
		exit(CFG_EXIT_USAGE);
	}
}

static int
cfg_load(struct cfg *c, const char *path, const uint8_t *buf, size_t len,
    char *err, size_t errsz)
{
	size_t n_argv = c->n_vals;
	struct cfg_value *argv_vals = NULL;
	int rc;

	/* The file's values go before those of argv. */
	if (n_argv > 0) {
		argv_vals = malloc(n_argv * sizeof(*argv_vals));
		if (argv_vals == NULL)
			fatal(CFG_EXIT_USAGE, "config");
		memcpy(argv_vals, c->vals, n_argv * sizeof(*argv_vals));
	}
	c->n_vals = 0;
	rc = cfg_yaml_read(c, path, buf, len, err, errsz);
	c->n_file = c->n_vals;
	for (size_t i = 0; i < n_argv; i++)
		*cfg_push(c) = argv_vals[i];
	free(argv_vals);
	return rc;
}

/* A CFG_FIELD option: its value into its field of the struct at base. */
static void
cfg_store(void *base, const struct cfg_value *v)
{
	const struct cfg_option *o = v->opt;
	unsigned char *dst = (unsigned char *)base + o->field_off;
	uint64_t n = v->num;

	switch (o->type) {
	case CFG_FLAG:
		if (o->field_size != sizeof(bool))
			break;
		*(bool *)(void *)dst = true;
		return;
	case CFG_COUNT:
	case CFG_NUMBER:
		if (o->type == CFG_COUNT)
			n += cfg_field_u(dst, o->field_size);
		if (o->field_size == 8)
			*(uint64_t *)(void *)dst = n;
		else if (o->field_size == 4 && n <= UINT32_MAX)
			*(uint32_t *)(void *)dst = (uint32_t)n;
		else if (o->field_size == 2 && n <= UINT16_MAX)
			*(uint16_t *)(void *)dst = (uint16_t)n;
		else if (o->field_size == 1 && n <= UINT8_MAX)
			*dst = (uint8_t)n;
		else
			break;
		return;
	case CFG_KV:
		break;
	default:
		if (o->field_size != sizeof(const char *))
			break;
		*(const char **)(void *)dst = v->str;
		return;
	}
	cfg_die(v, "option table: field of %zu bytes does not fit",
	    o->field_size);
}

int
cfg_load_file(struct cfg *c, const char *path, char *err, size_t errsz)
{
	return cfg_load(c, path, NULL, 0, err, errsz);
}

int
cfg_load_buffer(struct cfg *c, const char *name, const uint8_t *buf,
    size_t len, char *err, size_t errsz)
{
	return cfg_load(c, name, buf, len, err, errsz);
}

void
cfg_apply(struct cfg *c, cfg_apply_fn *apply, void *arg)
{
	char err[1400];

	if (c->config_path != NULL && !c->file_loaded) {
		c->file_loaded = true;
		if (cfg_load_file(c, c->config_path, err, sizeof(err)) != 0)
			fatalx(CFG_EXIT_USAGE, "%s", err);
	}
	for (size_t i = 0; i < c->n_vals; i++) {
		const struct cfg_value *v = &c->vals[i];

		c->last[v->opt - c->opts] = v;
		if (v->opt->flags & CFG_F_NOW)
			continue;
		if (v->opt->field_size != 0)
			cfg_store(arg, v);
		else
			apply(arg, v);
	}
}

struct cfg_value *
cfg_add_file_value(struct cfg *c, const struct cfg_option *o,
    const char *file, unsigned line, unsigned col)
{
	struct cfg_value *v = cfg_push(c);

	v->opt = o;
	v->file = file;
	v->line = line;
	v->col = col;
	return v;
}

const char *
cfg_keep(struct cfg *c, const char *s, size_t len)
{
	return cfg_strndup(c, s, len);
}
