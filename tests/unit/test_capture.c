/* tests/unit/test_capture.c: the three ways the direct reader walks a
 * classic pcap file (read() blocks; mapped and populated by the walk;
 * mapped and populated by a thread) give the same packets, the same end
 * and the same message, for the whole file and for copies cut inside a
 * record header, inside a record, past the first 1 MiB chunk and one byte
 * short.  The file is larger than a chunk, so records straddle one. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/capture.h"
#include "tests/test.h"

enum mode { READ, MAP_WALK, MAP_THREAD };

struct walk {
	enum capture_result	res;
	uint64_t		n;
	uint64_t		hash;	/* FNV-1a over every packet */
	char			err[sizeof(((struct capture *)0)->err)];
};

static void
mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static void
take(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct walk *w = arg;

	mix(&w->hash, &dlt, sizeof(dlt));
	mix(&w->hash, &ts_us, sizeof(ts_us));
	mix(&w->hash, &caplen, sizeof(caplen));
	mix(&w->hash, &wire_len, sizeof(wire_len));
	mix(&w->hash, data, caplen);
	w->n++;
}

static struct walk
walk(const char *path, enum mode m)
{
	static volatile sig_atomic_t no_stop;
	struct capture c;
	struct walk w = { .hash = 0xcbf29ce484222325ull };

	if (!CHECK(capture_open_offline(&c, path, NULL) == 0))
		return w;
	if (m != READ)
		CHECK(capture_map(&c, m == MAP_THREAD));
	w.res = capture_run(&c, take, &w, &no_stop);
	snprintf(w.err, sizeof(w.err), "%s", c.err);
	capture_close(&c);
	return w;
}

int
main(void)
{
	char src[4096], dir[] = "/tmp/test_capture.XXXXXX", cut[4200];
	FILE *f;
	uint8_t *buf;
	long size;

	snprintf(src, sizeof(src), "%s/pcaps/bulk_https.pcap", test_srcdir());
	if (!CHECK((f = fopen(src, "rb")) != NULL))
		return test_done("test_capture");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	CHECK(size > (1L << 20) + 4096);
	buf = malloc((size_t)size);
	CHECK(buf != NULL && fread(buf, 1, (size_t)size, f) ==
	    (size_t)size);
	fclose(f);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cut, sizeof(cut), "%s/cut.pcap", dir);

	const long sizes[] = { size, 24 + 8, 24 + 16 + 30, size / 2,
	    (1L << 20) + 7, size - 1 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		struct walk r, m, t;

		f = fopen(cut, "wb");
		CHECK(f != NULL && fwrite(buf, 1, (size_t)sizes[i], f) ==
		    (size_t)sizes[i]);
		fclose(f);
		r = walk(cut, READ);
		m = walk(cut, MAP_WALK);
		t = walk(cut, MAP_THREAD);
		CHECK_EQ_U(r.res, i == 0 ? CAPTURE_EOF : CAPTURE_DAMAGED);
		CHECK(i == 0 || r.err[0] != '\0');
		CHECK(i != 0 || r.n > 100);
		CHECK_EQ_U(m.res, r.res);
		CHECK_EQ_U(t.res, r.res);
		CHECK_EQ_U(m.n, r.n);
		CHECK_EQ_U(t.n, r.n);
		CHECK_EQ_U(m.hash, r.hash);
		CHECK_EQ_U(t.hash, r.hash);
		CHECK_EQ_S(m.err, r.err);
		CHECK_EQ_S(t.err, r.err);
	}
	unlink(cut);
	rmdir(dir);
	free(buf);
	return test_done("test_capture");
}
