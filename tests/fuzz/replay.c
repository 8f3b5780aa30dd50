/* tests/fuzz/replay.c: main() for fuzz targets built without libFuzzer.
 * Replays every file of the corpus directories (or files) given on the
 * command line, or tests/fuzz/corpus/<target>/ under $top_srcdir when none
 * are given, through LLVMFuzzerTestOneInput.  Exit 0 when all ran, 77 when
 * no corpus was found, 99 on an I/O error. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, size_t *n_run)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: cannot size file\n", path);
		fclose(f);
		return -1;
	}
	/* Exact-size heap copy so ASan sees any read past the input. */
	buf = malloc(len ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	(*n_run)++;
	return 0;
}

static int
replay_path(const char *path, size_t *n_run)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	char sub[4096];
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, n_run);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (replay_path(sub, n_run) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t n_run = 0;
	char dflt[4096], self[4096];
	const char *top = getenv("top_srcdir");
	const char *name;
	int rc = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i], &n_run) != 0)
				rc = 99;
	} else {
		snprintf(self, sizeof(self), "%s", argv[0]);
		name = basename(self);
		if (strncmp(name, "lt-", 3) == 0)
			name += 3;
		if (strncmp(name, "fuzz_", 5) == 0)
			name += 5;
		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s",
		    top ? top : ".", name);
		if (replay_path(dflt, &n_run) != 0)
			return 77;
	}
	fprintf(stderr, "replayed %zu inputs\n", n_run);
	return rc ? rc : (n_run ? 0 : 77);
}
