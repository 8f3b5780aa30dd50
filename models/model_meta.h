/* models/model_meta.h: <head>.yaml beside each booster of a model
 * directory: the classes, the feature layout it was trained on and the
 * calibration temperature.  Shared by the loader and fptrain (writer). */
#ifndef FP_MODELS_MODEL_META_H
#define FP_MODELS_MODEL_META_H

#include <stddef.h>

#include "models/model.h"

struct model_meta {
	unsigned	 features_version;
	unsigned	 n_features;
	size_t		 n_classes;
	char		 classes[MODEL_MAX_CLASSES][MODEL_NAME_MAX];
	double		 temperature;
};

/* Read path into *out (fully overwritten).  0, or -1 with
 * "FILE:LINE:COL: why" (or "FILE: why") in err. */
int	model_meta_read(const char *path, struct model_meta *out, char *err,
	    size_t errsz);

/* Write *m to path.  0, or -1 with "FILE: why" in err. */
int	model_meta_write(const char *path, const struct model_meta *m,
	    char *err, size_t errsz);

#endif
