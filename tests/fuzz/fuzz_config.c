/* tests/fuzz/fuzz_config.c: the configuration loader (lib/config.c and
 * lib/config_yaml.c) on any bytes, with a table holding every value type.
 * It must return 0 or -1 with a message, never crash or leak. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	const char	*s, *path, *list;
	bool		 flag;
	uint32_t	 n32;
	uint64_t	 n64;
	unsigned	 count;
};

#define F(m)	CFG_FIELD(struct fz, m)
static const struct cfg_option opts[] = {
	{ "string", 's', CFG_STRING, 0, 0, 0, 0, F(s) },
	{ "path", 0, CFG_PATH, 0, 0, 0, 0, F(path) },
	{ "file", 0, CFG_FILE, 1, 0, 0, CFG_F_DASH, 0, 0 },
	{ "list", 0, CFG_LIST, 0, 0, 0, 0, F(list) },
	{ "flag", 0, CFG_FLAG, 0, 0, 0, 0, F(flag) },
	{ "number", 0, CFG_NUMBER, 0, 1, 65536, 0, F(n32) },
	{ "big-number", 0, CFG_NUMBER, 0, 0, UINT64_MAX / 2, 0, F(n64) },
	{ "count", 'v', CFG_COUNT, 0, 0, 3, 0, F(count) },
	{ "settings", 0, CFG_KV, 2, 0, 0, 0, 0, 0 },
	{ "config", 0, CFG_FILE, 0, 0, 0, CFG_F_CLI_ONLY, 0, 0 },
};
#undef F

static void
apply(void *arg, const struct cfg_value *v)
{
	(void)arg;
	(void)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg c;
	struct fz fz;
	char err[1500];

	memset(&fz, 0, sizeof(fz));
	cfg_init(&c, "fuzz", opts, sizeof(opts) / sizeof(opts[0]));
	if (cfg_load_buffer(&c, "fuzz.yaml", data, size, err,
	    sizeof(err)) == 0) {
		c.config_path = NULL;
		cfg_apply(&c, apply, &fz);
	} else if (strncmp(err, "fuzz.yaml:", 10) != 0) {
		abort();	/* every error is located */
	}
	cfg_free(&c);
	return 0;
}
