/* sensor/recq.h: a bounded single-producer single-consumer queue of
 * records, from one worker to the output thread (and, in a replay with
 * workers, of packets from the reader to one worker: sensor/live.h).
 *
 * Records are copied into a byte ring allocated once (no allocation per
 * record): a 4-byte length, the bytes, padding to 8.  A record that does
 * not fit before the end of the ring leaves a wrap mark and starts again
 * at the front.  head and tail count bytes since the start and are only
 * ever written by one side each (acquire/release), so there is no lock.
 *
 * A full queue makes the producer wait (the output is slower than the
 * workers); the waits are counted.  Waiting holds the worker back, so the
 * kernel ring fills and drops are counted there: a record once made is
 * never dropped. */
#ifndef FP_SENSOR_RECQ_H
#define FP_SENSOR_RECQ_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/output.h"

#define RECQ_DEFAULT_BYTES	(4u << 20)

struct recq {
	uint8_t			*buf;
	size_t			 size;		/* power of two */
	_Alignas(64) _Atomic size_t head;	/* producer: next write */
	_Alignas(64) _Atomic size_t tail;	/* consumer: next read */
	_Atomic uint64_t	 n_full_waits;	/* producer waited */
	_Atomic bool		 is_closed;	/* producer is done */
};

/* Allocate a queue of about bytes (rounded up to a power of two, at least
 * 128 KiB).  Returns 0, or -1 with errno. */
int	recq_init(struct recq *q, size_t bytes);
void	recq_free(struct recq *q);

/* Producer: copy rec in, waiting while the queue is full.  len must be at
 * most a quarter of the queue.  Returns 0, or -1 (EMSGSIZE) if too long. */
int	recq_push(struct recq *q, const void *rec, size_t len);

/* Producer: the same for one entry made of a (alen bytes) then b. */
int	recq_push2(struct recq *q, const void *a, size_t alen, const void *b,
	    size_t blen);

/* Producer: no more records will come. */
void	recq_close(struct recq *q);

/* Consumer: the oldest record (borrowed until recq_pop), or NULL when the
 * queue is empty. */
const void *recq_peek(struct recq *q, size_t *len);
void	recq_pop(struct recq *q);

/* Consumer: true when the producer closed the queue and it is empty. */
bool	recq_is_done(struct recq *q);

/* An output whose write() is recq_push() on q: what a worker's pipeline
 * writes to.  close() closes the queue. */
void	recq_output_init(struct output *o, struct recq *q);

#endif
