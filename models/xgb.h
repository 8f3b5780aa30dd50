/* models/xgb.h: training through the XGBoost C API, for fptrain.  Only
 * models/xgb.c includes XGBoost's header; scoring is in models/model.h. */
#ifndef FP_MODELS_XGB_H
#define FP_MODELS_XGB_H

#include <stddef.h>

struct xgb_train_params {
	unsigned	 n_classes;
	unsigned	 rounds;		/* boosting iterations */
	unsigned	 max_depth;
	double		 eta;
	double		 min_child_weight;
	double		 lambda;		/* L2 on leaf weights */
	double		 subsample;		/* rows per tree, (0, 1] */
	double		 colsample;		/* features per tree, (0, 1] */
	unsigned	 seed;
	unsigned	 nthread;
};

/* Train a multi:softprob booster on X[n * nf] (row-major, NaN missing),
 * labels y[n] (0..n_classes-1) and weights w[n] (NULL: all 1), and save
 * it twice: as JSON to out_base.json (the reviewable form) and as UBJSON
 * to out_base.ubj (the same booster, loaded several times faster; see
 * model_load()).  0, or -1 with the reason in err. */
int	xgb_train(const struct xgb_train_params *p, const float *X,
	    const float *y, const float *w, size_t n, size_t nf,
	    const char *out_base, char *err, size_t errsz);

/* Train as xgb_train, without saving, and write the class probabilities
 * of the nq rows Xq[nq * nf] to prob[nq * n_classes] (cross-validation).
 * 0, or -1 with the reason in err. */
int	xgb_train_predict(const struct xgb_train_params *p, const float *X,
	    const float *y, const float *w, size_t n, const float *Xq,
	    size_t nq, size_t nf, float *prob, char *err, size_t errsz);

/* "1.7.4". */
const char *xgb_version(void);

#endif
