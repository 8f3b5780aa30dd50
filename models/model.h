/* models/model.h: client and OS family models for the sensor.
 *
 * A model directory (models/<version>/, installed under
 * $(pkgdatadir)/models/<version>) holds, per head (client, os):
 *   <head>.json   XGBoost booster (multi:softprob), written by fptrain
 *   <head>.yaml   features_version, n_features, classes, temperature
 * and card.md (provenance and metrics).  model_load() checks that both
 * heads load, that they were trained on this build's feature layout
 * (FEATURES_VERSION, FEATURES_N) and that each booster's output has one
 * column per listed class; anything else is refused with an error that
 * names the file.
 *
 * Scoring: rows are models/features.h vectors.  Probabilities are the
 * softmax of the booster's margins divided by the head's temperature
 * (temperature scaling fitted by fptrain on a calibration split).
 *
 * Threads: scoring does not change a loaded struct model; each thread
 * scores through its own struct model_scorer, which owns one proxy
 * DMatrix and the buffers for up to max_rows rows, so steady-state scoring
 * allocates nothing per row.  The sensor still loads a model per capture
 * worker (sensor/live.h): XGBoost 1.7's C API does not document
 * prediction from several threads on one booster.  Without XGBoost
 * (configure --without-xgboost) model_load() fails with "built without
 * XGBoost".
 *
 * Use from a worker (error handling elided):
 *	model_load(FP_DATADIR "/models/v1", &m, err, sizeof(err));  startup
 *	s = model_scorer_new(m, 64, err, sizeof(err));              per worker
 *	cache = verdict_cache_new(4096);          models/verdict_cache.h
 *	key = verdict_key(VERDICT_KEY_SEED, ja4_r, strlen(ja4_r));
 *	if (!verdict_cache_get(cache, key, &v)) {
 *		features_from_hello(&ch, 't', row[n++], NULL, 0);  queue it
 *		...when 64 rows are queued or the batch is old:
 *		model_score(s, MODEL_CLIENT, row[0], n, probs);
 *		model_score(s, MODEL_OS, row[0], n, probs_os);
 *		verdict_cache_put(cache, key, &v);                  per row
 *	}
 * Measured with `make bench-model`: about 8-10 us per row in batches of
 * 16 or more, about 28 us for a single row (XGBoost 1.7, one thread). */
#ifndef FP_MODELS_MODEL_H
#define FP_MODELS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "models/features.h"

#define MODEL_MAX_CLASSES	32
#define MODEL_NAME_MAX		32
#define MODEL_VERSION_MAX	64

enum model_head { MODEL_CLIENT, MODEL_OS, MODEL_N_HEADS };

struct model;
struct model_scorer;

/* "client", "os". */
const char	*model_head_name(enum model_head h);

/* Load the model directory dir; its version is dir's last path
 * component.  0 and *out (owned by caller, model_free()), or -1 with the
 * reason, naming the file, in err[errsz] (*out is then NULL). */
int		model_load(const char *dir, struct model **out, char *err,
		    size_t errsz);
void		model_free(struct model *m);		/* NULL: no-op */

const char	*model_version(const struct model *m);	/* borrowed */
size_t		 model_n_classes(const struct model *m, enum model_head h);
const char	*model_class(const struct model *m, enum model_head h,
		    size_t i);				/* borrowed */
double		 model_temperature(const struct model *m, enum model_head h);

/* A scorer for up to max_rows rows per call, or NULL with err set. */
struct model_scorer *model_scorer_new(const struct model *m,
		    size_t max_rows, char *err, size_t errsz);
void		model_scorer_free(struct model_scorer *s);	/* NULL ok */

/* Calibrated probabilities of rows[n_rows * FEATURES_N] (NaN = missing)
 * into probs[n_rows * model_n_classes(h)], row-major.  n_rows must be
 * 1..max_rows.  0, or -1 (XGBoost failed; probs untouched). */
int		model_score(struct model_scorer *s, enum model_head h,
		    const float *rows, size_t n_rows, float *probs);

/* As model_score() but the raw margins (before softmax and temperature);
 * for calibration. */
int		model_margins(struct model_scorer *s, enum model_head h,
		    const float *rows, size_t n_rows, float *margins);

/* Softmax of margins[n] / temperature into probs[n]. */
void		model_softmax(const float *margins, size_t n,
		    double temperature, float *probs);

#endif
