/* sensor/stage.c: the replay's reader and decoder on a thread of its own
 * (sensor/stage.h). */
#include "sensor/stage.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 16 batches of 128: the reader may run up to 2,048 packets ahead.  The
 * walk keeps at least 2 MiB behind it mapped (capture.c); a packet the
 * analyser reads further behind is faulted in again from the page cache,
 * which costs time, never its bytes (on the corpus, 2,048 packets are
 * about 1.6 MB, and the replay faults no more than on one thread). */
#define STAGE_BATCH	128
#define STAGE_BATCHES	16

struct stage_item {
	struct packet		pkt;
	struct pipeline_pre	pre;
	uint8_t			st;	/* enum decode_status */
};

struct stage_batch {
	unsigned		n;
	struct stage_item	item[STAGE_BATCH];
};

struct stage {
	struct capture		*c;
	const struct stage_ops	*ops;
	volatile sig_atomic_t	*stop;
	pthread_mutex_t		 mu;
	pthread_cond_t		 ready;		/* a batch published, or done */
	pthread_cond_t		 room;		/* half the ring free again */
	/* Under mu.  Batches head - tail (mod 2^32) are published and not
	 * yet taken back; the reader fills batch[head % STAGE_BATCHES]. */
	unsigned		 head, tail;
	bool			 done;		/* the reader is over */
	bool			 reader_waits;
	bool			 analyser_waits;
	enum capture_result	 res;
	double			 reader_cpu_s;	/* at the reader's end */
	uint64_t		 n_reader_waits;
	uint64_t		 n_analyser_waits;
	struct stage_batch	 batch[STAGE_BATCHES];
};

/* The reader's batch is full: hand it over, and wait while the ring is
 * full until half of it is free (fewer wake-ups). */
static void
publish(struct stage *s)
{
	pthread_mutex_lock(&s->mu);
	s->head++;
	if (s->analyser_waits)
		pthread_cond_signal(&s->ready);
	if (s->head - s->tail == STAGE_BATCHES) {
		s->reader_waits = true;
		s->n_reader_waits++;
		while (s->head - s->tail > STAGE_BATCHES / 2)
			pthread_cond_wait(&s->room, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	s->batch[s->head % STAGE_BATCHES].n = 0;
}

static void
push(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct stage *s = arg;
	struct stage_batch *b = &s->batch[s->head % STAGE_BATCHES];
	struct stage_item *it = &b->item[b->n];

	it->pkt.ts_us = ts_us;
	it->pkt.wire_len = wire_len;
	it->st = (uint8_t)decode_packet(dlt, data, caplen, &it->pkt);
	if (it->st == DECODE_OK && s->ops->prep != NULL)
		s->ops->prep(s->ops->prep_arg, &it->pkt, &it->pre);
	if (++b->n == STAGE_BATCH)
		publish(s);
}

/* CPU seconds of the calling thread so far (0 where there is no such
 * clock). */
static double
thread_cpu_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
reader_main(void *arg)
{
	struct stage *s = arg;
	enum capture_result res = capture_run(s->c, push, s, s->stop);

	pthread_mutex_lock(&s->mu);
	if (s->batch[s->head % STAGE_BATCHES].n > 0)
		s->head++;		/* the last, partly filled */
	s->res = res;
	s->done = true;
	s->reader_cpu_s = thread_cpu_s();
	pthread_cond_signal(&s->ready);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* One thread: capture_run()'s callback does what both stages would. */
static void
direct(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	const struct stage_ops *ops = arg;
	struct packet pkt;
	struct pipeline_pre pre;
	enum decode_status st;

	pkt.ts_us = ts_us;
	pkt.wire_len = wire_len;
	st = decode_packet(dlt, data, caplen, &pkt);
	if (st == DECODE_OK && ops->prep != NULL)
		ops->prep(ops->prep_arg, &pkt, &pre);
	ops->fn(ops->arg, &pkt, st, &pre);
}

enum capture_result
stage_run(struct capture *c, const struct stage_ops *ops, bool two_threads,
    volatile sig_atomic_t *stop, struct stage_report *rep)
{
	struct stage *s;
	pthread_t reader;
	enum capture_result res;
	double cpu0;

	memset(rep, 0, sizeof(*rep));
	if (!two_threads || c->mp == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL)
		return capture_run(c, direct, (void *)ops, stop);
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		free(s);
		return capture_run(c, direct, (void *)ops, stop);
	}
	pthread_cond_init(&s->ready, NULL);
	pthread_cond_init(&s->room, NULL);
	s->c = c;
	s->ops = ops;
	s->stop = stop;
	if (pthread_create(&reader, NULL, reader_main, s) != 0) {
		res = capture_run(c, direct, (void *)ops, stop);
		goto out;
	}
	rep->staged = true;
	cpu0 = thread_cpu_s();
	for (;;) {
		struct stage_batch *b;

		pthread_mutex_lock(&s->mu);
		while (s->head == s->tail && !s->done) {
			s->analyser_waits = true;
			s->n_analyser_waits++;
			pthread_cond_wait(&s->ready, &s->mu);
		}
		s->analyser_waits = false;
		if (s->head == s->tail) {	/* done, and all taken */
			pthread_mutex_unlock(&s->mu);
			break;
		}
		b = &s->batch[s->tail % STAGE_BATCHES];
		pthread_mutex_unlock(&s->mu);
		for (unsigned i = 0; i < b->n; i++)
			ops->fn(ops->arg, &b->item[i].pkt,
			    (enum decode_status)b->item[i].st,
			    &b->item[i].pre);
		pthread_mutex_lock(&s->mu);
		s->tail++;
		if (s->reader_waits &&
		    s->head - s->tail <= STAGE_BATCHES / 2) {
			s->reader_waits = false;
			pthread_cond_signal(&s->room);
		}
		pthread_mutex_unlock(&s->mu);
	}
	pthread_join(reader, NULL);
	res = s->res;
	rep->analysis_cpu_s = thread_cpu_s() - cpu0;
	rep->reader_cpu_s = s->reader_cpu_s;
	rep->reader_waits = s->n_reader_waits;
	rep->analysis_waits = s->n_analyser_waits;
out:
	pthread_cond_destroy(&s->ready);
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return res;
}

void
stage_report_print(FILE *fp, const struct stage_report *rep, bool timings)
{
	fprintf(fp, "replay_decode_thread=%d\n", rep->staged);
	if (!rep->staged || !timings)
		return;
	fprintf(fp, "replay_reader_cpu_seconds=%.3f\n"
	    "replay_analysis_cpu_seconds=%.3f\n"
	    "replay_reader_waits=%llu\n"
	    "replay_analysis_waits=%llu\n", rep->reader_cpu_s,
	    rep->analysis_cpu_s, (unsigned long long)rep->reader_waits,
	    (unsigned long long)rep->analysis_waits);
}
