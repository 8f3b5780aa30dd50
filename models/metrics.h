/* models/metrics.h: classification figures for fptrain: per-class
 * precision/recall/F1, confusion matrix, accuracy, macro-F1 and expected
 * calibration error (ECE, 15 equal-width bins of top-class confidence). */
#ifndef FP_MODELS_METRICS_H
#define FP_MODELS_METRICS_H

#include <stddef.h>
#include <stdio.h>

#define METRICS_MAX_CLASSES	32
#define METRICS_ECE_BINS	15

struct metrics {
	size_t		 k;
	size_t		 n;
	size_t		 n_abstain;	/* no prediction (pred -1) */
	/* truth x predicted; column k: no prediction */
	size_t		 confusion[METRICS_MAX_CLASSES]
			    [METRICS_MAX_CLASSES + 1];
	size_t		 bin_n[METRICS_ECE_BINS];
	double		 bin_conf[METRICS_ECE_BINS];
	double		 bin_correct[METRICS_ECE_BINS];
	/* by metrics_finish() */
	double		 precision[METRICS_MAX_CLASSES];
	double		 recall[METRICS_MAX_CLASSES];
	double		 f1[METRICS_MAX_CLASSES];
	size_t		 support[METRICS_MAX_CLASSES];
	double		 accuracy, macro_f1, ece;
	size_t		 n_macro;	/* classes in the macro average */
};

void	metrics_init(struct metrics *m, size_t k);

/* One example: true class, predicted class (-1: none) and the
 * confidence of the prediction (0 when none). */
void	metrics_add(struct metrics *m, int truth, int pred, double conf);

/* Compute the figures.  Macro-F1 averages the classes with support > 0. */
void	metrics_finish(struct metrics *m);

/* Per-class table and confusion matrix; names[k]. */
void	metrics_print(FILE *f, const struct metrics *m,
	    const char *const *names);

#endif
