/* sensor/output.c: the output interface and the JSON-lines file output. */
#include "sensor/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OUTPUT_FILE_BUF	(1u << 20)

struct output_file {
	FILE	*fp;
	char	*buf;
	bool	 is_stdout;
	bool	 failed;
};

static int
file_write(struct output *o, const char *rec, size_t len)
{
	struct output_file *of = o->impl;

	if (of->failed)
		return -1;
	if (fwrite(rec, 1, len, of->fp) != len) {
		of->failed = true;
		return -1;
	}
	return 0;
}

static int
file_flush(struct output *o)
{
	struct output_file *of = o->impl;

	if (of->failed || fflush(of->fp) != 0) {
		of->failed = true;
		return -1;
	}
	return 0;
}

static int
file_close(struct output *o)
{
	struct output_file *of = o->impl;
	int rc = of->failed ? -1 : 0;

	if (fflush(of->fp) != 0 || ferror(of->fp))
		rc = -1;
	if (!of->is_stdout && fclose(of->fp) != 0)
		rc = -1;
	free(of->buf);
	free(of);
	o->impl = NULL;
	return rc;
}

int
output_file_open(struct output *o, const char *path)
{
	struct output_file *of;

	memset(o, 0, sizeof(*o));
	if ((of = calloc(1, sizeof(*of))) == NULL)
		return -1;
	if (path == NULL || strcmp(path, "-") == 0) {
		of->fp = stdout;
		of->is_stdout = true;
		o->name = "stdout";
	} else {
		if ((of->fp = fopen(path, "w")) == NULL) {
			int e = errno;
			free(of);
			errno = e;
			return -1;
		}
		o->name = path;
	}
	if ((of->buf = malloc(OUTPUT_FILE_BUF)) != NULL)
		setvbuf(of->fp, of->buf, _IOFBF, OUTPUT_FILE_BUF);
	o->impl = of;
	o->write = file_write;
	o->close = file_close;
	o->flush = file_flush;
	return 0;
}

int
output_write(struct output *o, const char *rec, size_t len)
{
	if (o->write(o, rec, len) != 0) {
		o->n_errors++;
		return -1;
	}
	o->n_records++;
	return 0;
}

int
output_flush(struct output *o)
{
	if (o->impl == NULL || o->flush == NULL)
		return 0;
	return o->flush(o);
}

int
output_close(struct output *o)
{
	if (o->impl == NULL)
		return 0;
	return o->close(o);
}
