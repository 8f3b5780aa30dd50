/* models/dataset.h: labelled fingerprints for fptrain, read from the
 * sources it knows, as feature vectors keyed by their ja4_r.
 *
 * Formats (JSON, read with libyaml, which accepts JSON as YAML flow):
 *   mercury   JSON lines as mercury's resources/fingerprint_db*.json(.gz):
 *             str_repr, process_info[].process/.count/.os_info{key:count}.
 *   ja4db     one JSON array of ja4db.com records: ja4_fingerprint_string
 *             (a ja4_r), application, library, os.
 *   fpsensor  JSON lines of fpsensor records with tls.ja4_r and
 *             "label": {"client": CLASS, "os": CLASS} (our class names).
 *   leebrotherston  JSON lines as tls-fingerprinting's fingerprints.json:
 *             desc (the label), tls_version, ciphersuite, extensions,
 *             sig_alg, e_curves ("0x00FF 0xC024 ...").  The hello is built
 *             from those lists and goes through the same ja4_r path; what
 *             the format lacks is missing (NaN), never guessed: alpn_first
 *             and alpn_last when extension 0010 is present (names not
 *             recorded), tls_version when 002b is (versions not recorded).
 *             Its row key is that ja4_r with "??" for the unknown parts.
 * A path ending in .gz is read through `gzip -dc`.
 *
 * Rows: mercury lines with the same ja4_r are merged into one row (the
 * fingerprint), whose label per head is the class with the largest total
 * count of mapped processes (OS: of os_info entries); ja4db and fpsensor
 * records are one row each.  The split of a row is a function of its
 * ja4_r alone (FNV-1a mod 100: < 70 train, < 85 calibration, else test),
 * so a fingerprint is never on both sides. */
#ifndef FP_MODELS_DATASET_H
#define FP_MODELS_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/features.h"
#include "models/labels.h"

enum ds_format { DS_MERCURY, DS_JA4DB, DS_FPSENSOR, DS_LEEBROTHERSTON,
	DS_N_FORMATS };
enum ds_split { DS_TRAIN, DS_CALIB, DS_TEST, DS_N_SPLITS };

struct ds_row {
	char		*key;		/* ja4_r, owned */
	float		 x[FEATURES_N];
	double		 tally[LABELS_N_HEADS][LABELS_MAX_CLASSES];
	int		 label[LABELS_N_HEADS];	/* class, -1 unlabelled */
	enum ds_split	 split;
	size_t		 n_records;	/* source records merged here */
	unsigned	 sources;	/* 1 << enum ds_format, each seen */
};

struct dataset {
	struct ds_row	*rows;
	size_t		 n_rows, cap;
	uint32_t	*index;		/* open addressing on key, or NULL */
	size_t		 index_cap;
	bool		 merge;		/* rows keyed by ja4_r */
	/* what was read and skipped */
	size_t		 n_records;
	size_t		 n_malformed;	/* no usable fingerprint */
	size_t		 n_unmapped[LABELS_N_HEADS];	/* no rule maps */
	size_t		 n_unlabelled[LABELS_N_HEADS];	/* rows left at -1 */
};

enum ds_format	ds_format_parse(const char *s);	/* DS_N_FORMATS if bad */
const char	*ds_format_name(enum ds_format f);
const char	*ds_split_name(enum ds_split s);
enum ds_split	ds_split_of(const char *key);

/* Read path in format fmt into ds (rows appended); labels maps the
 * source's label names.  0, or -1 with "FILE:LINE: why" in err. */
int		ds_read(struct dataset *ds, const struct labels *labels,
		    enum ds_format fmt, const char *path, char *err,
		    size_t errsz);

/* Set each row's label per head from its tally. */
void		ds_finish(struct dataset *ds);
void		ds_free(struct dataset *ds);

#endif
