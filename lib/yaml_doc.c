/* lib/yaml_doc.c: a YAML file into a libyaml document. */
#include "yaml_doc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
yaml_doc_load(const char *path, size_t max_bytes, yaml_document_t *doc,
    char *err, size_t errsz)
{
	yaml_parser_t parser;
	struct stat sb;
	FILE *fp;
	int rc = 0;

	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (max_bytes > 0 && (fstat(fileno(fp), &sb) != 0 ||
	    !S_ISREG(sb.st_mode) || (size_t)sb.st_size > max_bytes)) {
		snprintf(err, errsz, "%s: not a regular file of at most %zu "
		    "bytes", path, max_bytes);
		fclose(fp);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errsz, "%s: out of memory", path);
		fclose(fp);
		return -1;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, doc)) {
		snprintf(err, errsz, "%s:%zu:%zu: %s%s%s", path,
		    parser.problem_mark.line + 1,
		    parser.problem_mark.column + 1,
		    parser.problem != NULL ? parser.problem : "YAML error",
		    parser.context != NULL ? " " : "",
		    parser.context != NULL ? parser.context : "");
		rc = -1;
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}
