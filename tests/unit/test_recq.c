/* tests/unit/test_recq.c: the worker-to-output record queue: order and
 * content across wrap-around with one producer thread and one consumer,
 * the wait when full, close, an oversized record refused, and the CPU
 * list parser of --cpu-pin. */
#include "sensor/recq.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "sensor/live.h"
#include "tests/test.h"

#define N_RECORDS	200000u

/* Record i: "<i>:" then i % 997 bytes of (i & 0xff), so lengths vary and
 * the ring wraps at every offset. */
static size_t
make_record(uint32_t i, char *buf)
{
	size_t n = (size_t)snprintf(buf, 32, "%u:", i), extra = i % 997;

	memset(buf + n, (int)(i & 0xff), extra);
	return n + extra;
}

static void *
producer(void *arg)
{
	struct recq *q = arg;
	char buf[1100];

	for (uint32_t i = 0; i < N_RECORDS; i++)
		if (recq_push(q, buf, make_record(i, buf)) != 0)
			break;
	recq_close(q);
	return NULL;
}

static void
test_threads(void)
{
	struct recq q;
	pthread_t t;
	char want[1100];
	uint32_t i = 0, bad = 0;

	CHECK(recq_init(&q, 1) == 0);		/* smallest: 128 KiB */
	CHECK_EQ_U(q.size, 128u << 10);
	CHECK(pthread_create(&t, NULL, producer, &q) == 0);
	/* Nothing is taken until the producer has found the queue full and
	 * waited (200000 records of ~500 bytes do not fit in 128 KiB), so
	 * the wait is tested however the two threads are scheduled. */
	while (atomic_load(&q.n_full_waits) == 0 && !recq_is_done(&q))
		nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	while (!recq_is_done(&q)) {
		const void *rec;
		size_t len;

		if ((rec = recq_peek(&q, &len)) == NULL)
			continue;
		if (len != make_record(i, want) || memcmp(rec, want, len) != 0)
			bad++;
		recq_pop(&q);
		i++;
	}
	pthread_join(t, NULL);
	CHECK_EQ_U(i, N_RECORDS);
	CHECK_EQ_U(bad, 0);
	CHECK(atomic_load(&q.n_full_waits) > 0);
	recq_free(&q);
}

static void
test_limits(void)
{
	struct recq q;
	static char big[64u << 10];
	size_t len = 0;

	CHECK(recq_init(&q, 200000) == 0);
	CHECK_EQ_U(q.size, 256u << 10);
	CHECK(recq_peek(&q, &len) == NULL);
	CHECK(!recq_is_done(&q));
	CHECK(recq_push(&q, big, sizeof(big)) == -1 && errno == EMSGSIZE);
	CHECK(recq_push(&q, "abc", 3) == 0);
	recq_close(&q);
	CHECK(!recq_is_done(&q));		/* closed, not empty */
	CHECK(recq_peek(&q, &len) != NULL && len == 3);
	recq_pop(&q);
	CHECK(recq_is_done(&q));
	recq_free(&q);
}

static void
test_cpu_list(void)
{
	struct live_config c;
	char err[256];

	memset(&c, 0, sizeof(c));
	CHECK(live_parse_cpus(&c, "0,2-4,7", err, sizeof(err)) == 0);
	CHECK_EQ_U(c.n_cpus, 5);
	CHECK(c.cpus[0] == 0 && c.cpus[1] == 2 && c.cpus[3] == 4 &&
	    c.cpus[4] == 7);
	CHECK(live_parse_cpus(&c, "", err, sizeof(err)) == -1);
	CHECK(live_parse_cpus(&c, "1,", err, sizeof(err)) == -1);
	CHECK(live_parse_cpus(&c, "3-1", err, sizeof(err)) == -1);
	CHECK(live_parse_cpus(&c, "a", err, sizeof(err)) == -1);
	CHECK(live_parse_cpus(&c, "0-99", err, sizeof(err)) == -1);
	CHECK(strstr(err, "--cpu-pin") != NULL);
}

int
main(void)
{
	test_limits();
	test_threads();
	test_cpu_list();
	return test_done("test_recq");
}
