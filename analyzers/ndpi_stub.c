/* analyzers/ndpi_stub.c: built without nDPI: no module can be made, and
 * the analyzer has no state and never writes anything. */
#include "analyzers/ndpi.h"

struct fp_ndpi {
	int	 unused;
};

bool
fp_ndpi_is_built(void)
{
	return false;
}

const char *
fp_ndpi_version(void)
{
	return NULL;
}

struct fp_ndpi *
fp_ndpi_new(const struct fp_ndpi_settings *s, char *err, size_t errsz)
{
	(void)s;
	snprintf(err, errsz, "fpsensor was not built with nDPI "
	    "(install libndpi-dev and run configure again)");
	return NULL;
}

void
fp_ndpi_free(struct fp_ndpi *w)
{
	(void)w;
}

void
fp_ndpi_stats_print(FILE *fp, const struct fp_ndpi *w)
{
	(void)fp;
	(void)w;
}

static bool
ndpi_stub_has_output(const void *state)
{
	(void)state;
	return false;
}

const struct analyzer fp_ndpi_analyzer = {
	.name = "ndpi",
	.state_size = 0,
	.has_output = ndpi_stub_has_output,
};
