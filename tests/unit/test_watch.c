/* tests/unit/test_watch.c: sensor/watch.c on real files in a temporary
 * directory: which changes count, the quiet period, version directories
 * made after the start, a symlink swapped into place, a ConfigMap volume,
 * a rules directory replaced. */
#include "sensor/watch.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/test.h"

#define QUIET_MS	400	/* long enough that a burst of writes stays one
				 * change on a loaded machine */

static atomic_uint n_fired;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last[4096];
static char root[64];

static void
on_fire(void *arg, const char *path)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	snprintf(last, sizeof(last), "%s", path);
	pthread_mutex_unlock(&lock);
	atomic_fetch_add(&n_fired, 1);
}

static void
nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static const char *
at(const char *rel)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, rel);
	return buf[i];
}

static void
put(const char *rel, const char *text)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) < 0) {
		perror(rel);
		exit(99);
	}
	close(fd);
}

/* Wait up to 6 s for n fires in all, then a few quiet periods more (a
 * fire too many would show); the number of fires. */
static unsigned
settle(unsigned n)
{
	for (int i = 0; i < 600 && atomic_load(&n_fired) < n; i++)
		nap_ms(10);
	nap_ms(4 * QUIET_MS);
	return atomic_load(&n_fired);
}

/* The last fire named rel. */
static int
named(const char *rel)
{
	int ok;

	pthread_mutex_lock(&lock);
	ok = strcmp(last, at(rel)) == 0;
	if (!ok)
		fprintf(stderr, "last change: %s, wanted %s\n", last, at(rel));
	pthread_mutex_unlock(&lock);
	return ok;
}

static void
setup(void)
{
	snprintf(root, sizeof(root), "/tmp/test_watch.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	mkdir(at("rules"), 0755);
	mkdir(at("geo"), 0755);
	mkdir(at("models"), 0755);
	mkdir(at("models/v1"), 0755);
	put("rules/tls.yaml", "a");
	put("geo/city.mmdb", "a");
	put("models/v1/client.json", "a");
	if (symlink("v1", at("models/default")) != 0) {
		perror("symlink");
		exit(99);
	}
}

int
main(void)
{
	struct watch_config wc = { .quiet_ms = QUIET_MS };
	struct watch *w;
	char err[512], cmd[128];

	if (!watch_is_available()) {
		printf("SKIP: no inotify\n");
		return 77;
	}
	setup();
	wc.rules_dir = at("rules");
	wc.files[0] = at("geo/city.mmdb");
	wc.model_dir = at("models");
	w = watch_start(&wc, on_fire, NULL, err, sizeof(err));
	if (!CHECK(w != NULL)) {
		fprintf(stderr, "watch_start: %s\n", err);
		return test_done("test_watch");
	}

	/* Three writes within the quiet period: one reload. */
	put("rules/tls.yaml", "b");
	put("rules/tcp.yaml", "b");
	put("rules/tls.yaml", "c");
	CHECK_EQ_U(settle(1), 1);
	CHECK(named("rules/tls.yaml"));

	/* Editor swap files, backups, other names: nothing. */
	put("rules/.tls.yaml.swp", "x");
	put("rules/tls.yaml~", "x");
	put("rules/notes.txt", "x");
	put("geo/asn.mmdb", "x");
	CHECK_EQ_U(settle(1), 1);

	/* A GeoIP database moved into place. */
	put("geo/city.tmp", "b");
	CHECK(rename(at("geo/city.tmp"), at("geo/city.mmdb")) == 0);
	CHECK_EQ_U(settle(2), 2);
	CHECK(named("geo/city.mmdb"));

	/* A file of a version rewritten. */
	put("models/v1/client.json", "b");
	CHECK_EQ_U(settle(3), 3);
	CHECK(named("models/v1/client.json"));

	/* A version made after the start, then its files: both seen. */
	CHECK(mkdir(at("models/v2"), 0755) == 0);
	CHECK_EQ_U(settle(4), 4);
	put("models/v2/client.json", "a");
	CHECK_EQ_U(settle(5), 5);
	CHECK(named("models/v2/client.json"));

	/* The default symlink swapped atomically (hidden temporary name). */
	CHECK(symlink("v2", at("models/.default.new")) == 0);
	CHECK(rename(at("models/.default.new"), at("models/default")) == 0);
	CHECK_EQ_U(settle(6), 6);
	CHECK(named("models/default"));

	/* A file deleted from the rules directory. */
	CHECK(unlink(at("rules/tcp.yaml")) == 0);
	CHECK_EQ_U(settle(7), 7);
	CHECK(named("rules/tcp.yaml"));

	watch_stop(w);

	/* A Kubernetes ConfigMap volume: the files are symlinks through
	 * "..data", which is swapped to a new hidden directory. */
	CHECK(mkdir(at("cm"), 0755) == 0);
	CHECK(mkdir(at("cm/..2026_a"), 0755) == 0);
	put("cm/..2026_a/tls.yaml", "a");
	CHECK(symlink("..2026_a", at("cm/..data")) == 0);
	CHECK(symlink("..data/tls.yaml", at("cm/tls.yaml")) == 0);
	memset(&wc, 0, sizeof(wc));
	wc.quiet_ms = QUIET_MS;
	wc.rules_dir = at("cm");
	w = watch_start(&wc, on_fire, NULL, err, sizeof(err));
	CHECK(w != NULL);
	CHECK(mkdir(at("cm/..2026_b"), 0755) == 0);
	put("cm/..2026_b/tls.yaml", "b");
	CHECK(symlink("..2026_b", at("cm/..data_tmp")) == 0);
	CHECK(rename(at("cm/..data_tmp"), at("cm/..data")) == 0);
	CHECK_EQ_U(settle(8), 8);
	CHECK(named("cm/..data"));
	watch_stop(w);

	/* The rules directory replaced by a symlink swap: the new one is
	 * watched from then on, the old one no longer. */
	CHECK(mkdir(at("r1"), 0755) == 0);
	CHECK(mkdir(at("r2"), 0755) == 0);
	put("r1/tls.yaml", "a");
	put("r2/tls.yaml", "a");
	CHECK(symlink("r1", at("rl")) == 0);
	wc.rules_dir = at("rl");
	w = watch_start(&wc, on_fire, NULL, err, sizeof(err));
	CHECK(w != NULL);
	CHECK(symlink("r2", at(".rl.new")) == 0);
	CHECK(rename(at(".rl.new"), at("rl")) == 0);
	CHECK_EQ_U(settle(9), 9);
	CHECK(named("rl"));
	put("r2/tls.yaml", "b");
	CHECK_EQ_U(settle(10), 10);
	CHECK(named("rl/tls.yaml"));
	put("r1/tls.yaml", "b");
	CHECK_EQ_U(settle(10), 10);
	watch_stop(w);

	/* Nothing to watch: an error, not a thread. */
	memset(&wc, 0, sizeof(wc));
	CHECK(watch_start(&wc, on_fire, NULL, err, sizeof(err)) == NULL);
	wc.rules_dir = at("none");
	CHECK(watch_start(&wc, on_fire, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "No such file or directory") != NULL);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	return test_done("test_watch");
}
