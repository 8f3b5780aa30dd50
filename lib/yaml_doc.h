/* lib/yaml_doc.h: a YAML file into a libyaml document, or an error with
 * its place.  Shared by the signature databases (sensor/rules.c), the
 * label mapping (models/labels.c) and the model metadata
 * (models/model_meta.c). */
#ifndef FP_LIB_YAML_DOC_H
#define FP_LIB_YAML_DOC_H

#include <stddef.h>
#include <yaml.h>

#include "log.h"

/* Parse the first document of the file path into *doc (the caller frees
 * it with yaml_document_delete() on success).  max_bytes > 0 refuses
 * anything but a regular file of at most that size.  Returns 0, or -1
 * with "PATH: why" or "PATH:LINE:COL: problem context" in err (*doc
 * untouched then). */
int	yaml_doc_load(const char *path, size_t max_bytes, yaml_document_t *doc,
	    char *err, size_t errsz) FP_WARN_UNUSED;

#endif
