/* lib/config.h: one table of options drives the command line (getopt_long),
 * the configuration file (YAML, libyaml) and their validation, for fpsensor
 * and fpsink.
 *
 * A program declares each option ONCE, as a line of a const table.  An
 * option that only sets a field of the program's options struct names the
 * field and needs nothing else:
 *
 *	{ "workers", 0, CFG_NUMBER, 0, 1, 64, 0, CFG_FIELD(struct options, workers) },
 *	{ "rules", 0, CFG_PATH, 0, 0, 0, 0, CFG_FIELD(struct options, rules_dir) },
 *
 * so adding `--workers N` or `--rules DIR` is that ONE line (and the field);
 * getopt, the YAML key, the type and range checks, the error messages and
 * --check-config's file checks come from the table.  An option that needs
 * code (a unit, a list to parse, a side effect) gives an id instead of
 * CFG_FIELD and is handled in the program's apply function.  Keys of the
 * file are the long option names; see fpsensor.yaml(5).
 *
 * Order of application: every value of the file first, then every value of
 * the command line, each in its order, so a flag overrides the file whatever
 * its place on the command line.  Repeatable options (CFG_KV) accumulate.
 *
 * Errors exit 64 (EX_USAGE) with "FILE:LINE:COL: key 'x': why" for values
 * of the file and "--x: why" for the command line.  Strings handed to
 * apply() or stored in fields live until cfg_free(). */
#ifndef FP_LIB_CONFIG_H
#define FP_LIB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CFG_EXIT_USAGE	64

enum cfg_type {
	CFG_FLAG,	/* no argument; YAML true/false (false: not given) */
	CFG_COUNT,	/* no argument, repeatable (-vv); YAML integer */
	CFG_STRING,	/* any non-empty string */
	CFG_FILE,	/* a file that must exist and be readable ("-" ok
			   with CFG_F_DASH) */
	CFG_PATH,	/* a path checked later by its loader */
	CFG_NUMBER,	/* decimal integer in [min, max] */
	CFG_LIST,	/* "a,b,c"; YAML sequence or comma string */
	CFG_KV,		/* KEY=VALUE, repeatable; YAML mapping */
};

#define CFG_F_CLI_ONLY	0x01u	/* not a key of the file (help) */
#define CFG_F_NOW	0x02u	/* applied while parsing argv (help) */
#define CFG_F_DASH	0x04u	/* CFG_FILE: "-" (stdin) is fine */

struct cfg_option {
	const char	*name;		/* long option and YAML key */
	int		 short_name;	/* 'r', or 0 */
	enum cfg_type	 type;
	int		 id;		/* the program's, for apply() */
	uint64_t	 min, max;	/* CFG_NUMBER, CFG_COUNT */
	unsigned	 flags;		/* CFG_F_* */
	size_t		 field_off;	/* with field_size: stored there */
	size_t		 field_size;	/* 0: apply() handles id */
};

/* The field of the struct given to cfg_apply() that an option sets:
 * const char * for strings, paths and lists, bool for flags, an unsigned
 * integer of 1 to 8 bytes for numbers (a count is added to it). */
#define CFG_FIELD(type, member)	\
	offsetof(type, member), sizeof(((type *)0)->member)

/* One value given for an option, where it was given. */
struct cfg_value {
	const struct cfg_option	*opt;
	const char		*str;	/* string forms; "1" for flags */
	uint64_t		 num;	/* CFG_NUMBER, CFG_COUNT */
	const char		*file;	/* NULL: the command line */
	unsigned		 line, col;	/* 1-based, in file */
};

struct cfg {
	const struct cfg_option	*opts;
	size_t			 n_opts;
	const char		*prog;
	struct cfg_value	*vals;	/* the file's, then argv's */
	size_t			 n_vals, cap_vals;
	size_t			 n_file;	/* of vals, the file's */
	char			**strs;	/* owned copies */
	size_t			 n_strs, cap_strs;
	const char		*config_path;	/* --config */
	bool			 check_only;	/* --check-config */
	const struct cfg_value	**last;	/* per option: the last */
	bool			 file_loaded;
};

/* Called for each value in order; reports its own errors with
 * cfg_die(v, ...). */
typedef void	cfg_apply_fn(void *arg, const struct cfg_value *v);

/* Set c up for the table opts[0..n) of program prog. */
void	cfg_init(struct cfg *c, const char *prog,
	    const struct cfg_option *opts, size_t n);
void	cfg_free(struct cfg *c);

/* Read argv with getopt_long built from the table.  Options named
 * "config" and "check-config" are kept in c (config_path, check_only);
 * CFG_F_NOW options are applied at once; an unknown option, a missing
 * argument or a stray argument calls usage_fn and exits 64. */
void	cfg_parse_argv(struct cfg *c, int argc, char **argv,
	    cfg_apply_fn *apply, void *arg, void (*usage_fn)(void));

/* Read the YAML file path into c: a flat mapping of keys to values.
 * Returns 0, or -1 with "FILE:LINE:COL: why" in err. */
int	cfg_load_file(struct cfg *c, const char *path, char *err,
	    size_t errsz) FP_WARN_UNUSED;

/* The same for buf[0..len), named name in messages (tests, fuzzing). */
int	cfg_load_buffer(struct cfg *c, const char *name, const uint8_t *buf,
	    size_t len, char *err, size_t errsz) FP_WARN_UNUSED;

/* Load c->config_path (if any; exits 64 on error), then set every value:
 * the file's first, then argv's; a CFG_FIELD option into its field of the
 * struct at arg, any other through apply(arg, value). */
void	cfg_apply(struct cfg *c, cfg_apply_fn *apply, void *arg);

/* Where the option name was last set, for a message: "FILE:L:C: key 'x'"
 * or "--x"; "--x" too when it was not set.  Borrowed, static buffer. */
const char	*cfg_where(const struct cfg *c, const char *name);

/* The same for the value of option name that text quotes (a loader's
 * message naming "key=value" of a repeatable option); cfg_where() when
 * none does. */
const char	*cfg_where_quoted(const struct cfg *c, const char *name,
		    const char *text);

/* As cfg_where() and cfg_where_quoted(), as a message prefix: "FILE:L:C:
 * key 'x': " for a value of the file, "" for one of the command line
 * (whose loaders' messages name the option).  Borrowed, static buffer. */
const char	*cfg_prefix(const struct cfg *c, const char *name);
const char	*cfg_prefix_quoted(const struct cfg *c, const char *name,
		    const char *text);

/* Exit 64 with "<where v was given>: why". */
_Noreturn void	cfg_die(const struct cfg_value *v, const char *fmt, ...)
		    FP_PRINTF(2, 3);

/* The option of the table nearest to name (edit distance), for "did you
 * mean"; NULL when none is close. */
const struct cfg_option *cfg_nearest(const struct cfg *c, const char *name);

#endif
