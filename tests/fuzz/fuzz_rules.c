/* tests/fuzz/fuzz_rules.c: the signature database loader (sensor/rules.c,
 * through lib/yaml_doc.c) on any bytes, as each kind of database, then the
 * User-Agent matcher of a database that loaded on the same bytes.  A load
 * returns 0, or -1 with a message naming the file; never a crash or a
 * leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct rules_ua_claim claim;
	char err[512];
	FILE *f;

	if (path[0] == '\0') {
		const char *dir = getenv("TMPDIR");
		int fd;

		snprintf(path, sizeof(path), "%s/fuzz_rules.XXXXXX",
		    dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	for (int db = 0; db < RULES_N_DB; db++) {
		struct rules *r = rules_new();

		if (r == NULL)
			abort();
		err[0] = '\0';
		if (rules_load_file(r, (enum rules_db)db, path, err,
		    sizeof(err)) != 0) {
			if (strstr(err, path) == NULL)
				abort();	/* the message names the file */
		} else if (db == RULES_UA) {
			rules_ua_parse(r, (const char *)data, size, &claim);
		}
		rules_free(r);
	}
	return 0;
}
