/* tests/unit/test_capture.c: the ways the direct reader walks a classic
 * pcap file (read() blocks; mapped and populated by the walk; mapped and
 * walked and decoded on a thread of its own for this one, as a replay
 * with a second CPU does (sensor/stage.h); two walks on two threads
 * sharing one map, as replay workers do) give the same packets in the
 * same order, the same end and the same message, for the whole file and
 * for copies cut inside a record header, inside a record, past the first
 * 2 MiB chunk and one byte short.  The file (the records of a bundled
 * capture three times over) is larger than two chunks, so records
 * straddle them. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/capture.h"
#include "sensor/stage.h"
#include "tests/test.h"

enum mode { READ, MAP_WALK, MAP_STAGED };

struct walk {
	enum capture_result	res;
	uint64_t		n;
	uint64_t		hash;	/* FNV-1a over every packet */
	uint64_t		dhash;	/* and over what each decodes to */
	char			err[sizeof(((struct capture *)0)->err)];
};

static void
mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

/* What a decoded packet is, for the decoded hash. */
static void
take_decoded(void *arg, struct packet *pkt, enum decode_status st,
    const struct pipeline_pre *pre)
{
	struct walk *w = arg;

	(void)pre;
	mix(&w->dhash, &pkt->ts_us, sizeof(pkt->ts_us));
	mix(&w->dhash, &pkt->wire_len, sizeof(pkt->wire_len));
	mix(&w->dhash, &st, sizeof(st));
	if (st == DECODE_OK) {
		mix(&w->dhash, pkt->src, sizeof(pkt->src));
		mix(&w->dhash, pkt->dst, sizeof(pkt->dst));
		mix(&w->dhash, &pkt->sport, sizeof(pkt->sport));
		mix(&w->dhash, &pkt->dport, sizeof(pkt->dport));
		mix(&w->dhash, pkt->payload, pkt->payload_len);
	}
}

static void
take(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct walk *w = arg;
	struct packet pkt;

	pkt.ts_us = ts_us;
	pkt.wire_len = wire_len;
	take_decoded(w, &pkt, decode_packet(dlt, data, caplen, &pkt), NULL);
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
	struct walk w = { .hash = 0xcbf29ce484222325ull,
	    .dhash = 0xcbf29ce484222325ull };

	if (!CHECK(capture_open_offline(&c, path, NULL) == 0))
		return w;
	if (m != READ)
		CHECK(capture_map(&c));
	if (m == MAP_STAGED) {
		struct stage_report rep;

		w.res = stage_run(&c, &(struct stage_ops){
		    .fn = take_decoded, .arg = &w }, true, &no_stop, &rep);
		CHECK(rep.staged);
		/* Each stage's own CPU time, both counted. */
		CHECK(rep.reader_cpu_s > 0 && rep.analysis_cpu_s > 0);
		w.n = c.n_read;
	} else
		w.res = capture_run(&c, take, &w, &no_stop);
	snprintf(w.err, sizeof(w.err), "%s", c.err);
	capture_close(&c);
	return w;
}

struct shared_walk {
	struct capture	 c;
	struct walk	 w;
};

static void *
shared_main(void *arg)
{
	static volatile sig_atomic_t no_stop;
	struct shared_walk *s = arg;

	s->w.res = capture_run(&s->c, take, &s->w, &no_stop);
	snprintf(s->w.err, sizeof(s->w.err), "%s", s->c.err);
	return NULL;
}

/* Two walks of path through one map, each on a thread of its own. */
static void
walk_shared(const char *path, struct walk out[2])
{
	struct shared_walk s[2];
	pthread_t th[2];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 2; i++) {
		s[i].w.hash = 0xcbf29ce484222325ull;
		if (!CHECK(capture_open_offline(&s[i].c, path, NULL) == 0))
			return;
	}
	CHECK(capture_map(&s[0].c));
	CHECK(capture_map_share(&s[1].c, &s[0].c));
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&th[i], NULL, shared_main, &s[i]) == 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		out[i] = s[i].w;
	}
	/* Closed in the order they were opened: the map outlives the
	 * first. */
	capture_close(&s[0].c);
	capture_close(&s[1].c);
}

int
main(void)
{
	char src[4096], dir[] = "/tmp/test_capture.XXXXXX", cut[4200];
	FILE *f;
	uint8_t *buf;
	long one, size;

	snprintf(src, sizeof(src), "%s/pcaps/bulk_https.pcap", test_srcdir());
	if (!CHECK((f = fopen(src, "rb")) != NULL))
		return test_done("test_capture");
	fseek(f, 0, SEEK_END);
	one = ftell(f);
	rewind(f);
	size = 24 + 3 * (one - 24);
	CHECK(one > 24 && size > (2L << 20) + 4096);
	buf = malloc((size_t)size);
	CHECK(buf != NULL && fread(buf, 1, (size_t)one, f) == (size_t)one);
	fclose(f);
	for (int k = 1; k < 3; k++)
		memcpy(buf + 24 + k * (one - 24), buf + 24, (size_t)(one - 24));
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cut, sizeof(cut), "%s/cut.pcap", dir);

	const long sizes[] = { size, 24 + 8, 24 + 16 + 30, size / 2,
	    (2L << 20) + 7, size - 1 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		struct walk r, m, t, sh[2];

		f = fopen(cut, "wb");
		CHECK(f != NULL && fwrite(buf, 1, (size_t)sizes[i], f) ==
		    (size_t)sizes[i]);
		fclose(f);
		r = walk(cut, READ);
		m = walk(cut, MAP_WALK);
		t = walk(cut, MAP_STAGED);
		walk_shared(cut, sh);
		CHECK_EQ_U(r.res, i == 0 ? CAPTURE_EOF : CAPTURE_DAMAGED);
		CHECK(i == 0 || r.err[0] != '\0');
		CHECK(i != 0 || r.n > 100);
		CHECK_EQ_U(m.res, r.res);
		CHECK_EQ_U(t.res, r.res);
		CHECK_EQ_U(m.n, r.n);
		CHECK_EQ_U(t.n, r.n);
		CHECK_EQ_U(m.hash, r.hash);
		CHECK_EQ_U(m.dhash, r.dhash);
		CHECK_EQ_U(t.dhash, r.dhash);	/* staged: decoded only */
		CHECK_EQ_S(m.err, r.err);
		CHECK_EQ_S(t.err, r.err);
		for (int k = 0; k < 2; k++) {
			CHECK_EQ_U(sh[k].res, r.res);
			CHECK_EQ_U(sh[k].n, r.n);
			CHECK_EQ_U(sh[k].hash, r.hash);
			CHECK_EQ_S(sh[k].err, r.err);
		}
	}
	/* Only a map of the same file is shared, and only before the walk. */
	{
		struct capture a, b;
		struct walk w = { 0 };
		static volatile sig_atomic_t no_stop;

		snprintf(cut, sizeof(cut), "%s/cut.pcap", dir);
		f = fopen(cut, "wb");
		CHECK(f != NULL && fwrite(buf, 1, (size_t)size, f) ==
		    (size_t)size);
		fclose(f);
		CHECK(capture_open_offline(&a, src, NULL) == 0);
		CHECK(capture_open_offline(&b, cut, NULL) == 0);
		CHECK(capture_map(&a));
		CHECK(!capture_map_share(&b, &a));
		CHECK(b.mp == NULL);
		CHECK(capture_map(&b));
		capture_close(&b);
		CHECK(capture_open_offline(&b, src, NULL) == 0);
		CHECK(capture_run(&a, take, &w, &no_stop) == CAPTURE_EOF);
		CHECK(w.n > 100);
		CHECK(!capture_map_share(&b, &a));
		capture_close(&b);
		capture_close(&a);
	}
	unlink(cut);
	rmdir(dir);
	free(buf);
	return test_done("test_capture");
}
