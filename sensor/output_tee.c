/* sensor/output_tee.c: write every record to two outputs. */
#include "sensor/output_tee.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct output_tee {
	struct output	*a;
	struct output	*b;
};

static int
tee_write(struct output *o, const char *rec, size_t len)
{
	struct output_tee *t = o->impl;
	int ra = output_write(t->a, rec, len);
	int rb = output_write(t->b, rec, len);

	return ra == 0 && rb == 0 ? 0 : -1;
}

static int
tee_flush(struct output *o)
{
	struct output_tee *t = o->impl;
	int ra = output_flush(t->a);
	int rb = output_flush(t->b);

	return ra == 0 && rb == 0 ? 0 : -1;
}

static int
tee_close(struct output *o)
{
	struct output_tee *t = o->impl;
	int ra = output_close(t->a);
	int rb = output_close(t->b);

	free(t);
	o->impl = NULL;
	return ra == 0 && rb == 0 ? 0 : -1;
}

int
output_tee_open(struct output *o, struct output *a, struct output *b)
{
	struct output_tee *t;

	memset(o, 0, sizeof(*o));
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -1;
	t->a = a;
	t->b = b;
	o->name = b->name;
	o->impl = t;
	o->write = tee_write;
	o->close = tee_close;
	o->flush = tee_flush;
	return 0;
}
