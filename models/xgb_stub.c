/* models/xgb_stub.c: models/model.h without XGBoost: nothing loads. */
#include "models/model.h"

#include <math.h>
#include <stdio.h>

const char *
model_head_name(enum model_head h)
{
	return h == MODEL_CLIENT ? "client" : h == MODEL_OS ? "os" : "?";
}

int
model_load(const char *dir, struct model **out, char *err, size_t errsz)
{
	*out = NULL;
	snprintf(err, errsz, "%s: built without XGBoost", dir);
	return -1;
}

void
model_free(struct model *m)
{
	(void)m;
}

const char *
model_version(const struct model *m)
{
	(void)m;
	return "";
}

size_t
model_n_classes(const struct model *m, enum model_head h)
{
	(void)m;
	(void)h;
	return 0;
}

const char *
model_class(const struct model *m, enum model_head h, size_t i)
{
	(void)m;
	(void)h;
	(void)i;
	return NULL;
}

double
model_temperature(const struct model *m, enum model_head h)
{
	(void)m;
	(void)h;
	return 1;
}

struct model_scorer *
model_scorer_new(const struct model *m, size_t max_rows, char *err,
    size_t errsz)
{
	(void)m;
	(void)max_rows;
	snprintf(err, errsz, "built without XGBoost");
	return NULL;
}

void
model_scorer_free(struct model_scorer *s)
{
	(void)s;
}

int
model_score(struct model_scorer *s, enum model_head h, const float *rows,
    size_t n_rows, float *probs)
{
	(void)s;
	(void)h;
	(void)rows;
	(void)n_rows;
	(void)probs;
	return -1;
}

int
model_margins(struct model_scorer *s, enum model_head h, const float *rows,
    size_t n_rows, float *margins)
{
	return model_score(s, h, rows, n_rows, margins);
}

void
model_softmax(const float *margins, size_t n, double temperature,
    float *probs)
{
	double mx = -INFINITY, sum = 0;

	for (size_t i = 0; i < n; i++)
		if (margins[i] > mx)
			mx = margins[i];
	for (size_t i = 0; i < n; i++)
		sum += probs[i] = (float)exp((margins[i] - mx) / temperature);
	for (size_t i = 0; i < n; i++)
		probs[i] = (float)(probs[i] / sum);
}
