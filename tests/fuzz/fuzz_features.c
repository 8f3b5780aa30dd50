/* tests/fuzz/fuzz_features.c: the feature extractor's string parsers
 * (ja4_r and mercury str_repr) over one input, taken as both. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "models/features.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	float v[FEATURES_N];
	char ja4r[FEATURES_JA4R_MAX + 1];

	(void)features_from_ja4r((const char *)data, size, v);
	(void)features_from_str_repr((const char *)data, size, v, ja4r,
	    sizeof(ja4r));
	return 0;
}
