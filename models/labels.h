/* models/labels.h: models/labels.yaml, the one mapping from each data
 * source's labels to our client and OS families.
 *
 * The file (format in man/fptrain.1):
 *   client_classes: [chrome, firefox, ...]     the client head's classes
 *   os_classes: [windows, linux, ...]          the OS head's classes
 *   <source>:                                  mercury, ja4db, ...
 *     client: { <class>: [pattern, ...], ... }
 *     os:     { <class>: [pattern, ...], ... }
 * Patterns are fnmatch(3) globs matched without regard to case; within a
 * source and head the first matching pattern in file order wins.  A class
 * name not declared in *_classes is an error, as is anything else that is
 * not this shape; errors read "FILE:LINE:COL: why". */
#ifndef FP_MODELS_LABELS_H
#define FP_MODELS_LABELS_H

#include <stddef.h>

#define LABELS_MAX_CLASSES	32
#define LABELS_NAME_MAX		32

enum labels_head { LABELS_CLIENT, LABELS_OS, LABELS_N_HEADS };

struct labels_rule {
	char		*source;	/* owned by struct labels */
	char		*pattern;
	int		 head;		/* enum labels_head */
	int		 cls;
};

struct labels {
	size_t		 n_classes[LABELS_N_HEADS];
	char		 classes[LABELS_N_HEADS][LABELS_MAX_CLASSES]
			    [LABELS_NAME_MAX];
	size_t		 n_rules;
	struct labels_rule *rules;	/* owned */
};

/* Read path into *out (owned by caller, free with labels_free()).  0, or
 * -1 with "FILE:LINE:COL: why" in err[errsz] and *out emptied. */
int		labels_load(const char *path, struct labels *out, char *err,
		    size_t errsz);
void		labels_free(struct labels *l);

/* Class of a source's label name for head, or -1 when no rule matches. */
int		labels_match(const struct labels *l, const char *source,
		    enum labels_head head, const char *name);

/* Index of a class name in head's classes, or -1. */
int		labels_class(const struct labels *l, enum labels_head head,
		    const char *name);

const char	*labels_head_name(enum labels_head head);

#endif
