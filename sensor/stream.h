/* sensor/stream.h: a bounded copy of the first bytes of one TCP direction.
 *
 * Bytes are kept in sequence order from the first payload byte; repeated
 * bytes (retransmissions, overlaps) are dropped with the first copy winning;
 * a segment that arrives early is held in place if it fits the window and a
 * slot of the small out-of-order list is free.  Buffers come from a pool
 * preallocated at startup: no allocation per packet. */
#ifndef FP_SENSOR_STREAM_H
#define FP_SENSOR_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STREAM_MAX_OOO	4

struct stream_pool {
	uint8_t		*mem;		/* n_slots * slot_bytes */
	uint32_t	*free_slots;	/* stack of free slot indices */
	uint32_t	 n_free;
	uint32_t	 n_slots;
	uint32_t	 slot_bytes;
	uint64_t	 n_exhausted;	/* a direction wanted a buffer, none */
	uint64_t	 n_ooo_dropped;	/* early segment with no room */
	uint64_t	 n_retransmitted;	/* segments with only old bytes */
	uint32_t	 max_used;	/* most slots in use at once */
};

struct stream {
	uint32_t	 base_seq;	/* sequence number of buf[0] */
	uint32_t	 slot;		/* pool slot + 1; 0 = none */
	uint32_t	 len;		/* contiguous bytes from buf[0] */
	uint16_t	 ooo_start[STREAM_MAX_OOO];
	uint16_t	 ooo_end[STREAM_MAX_OOO];
	uint8_t		 n_ooo;
	bool		 has_base;
	bool		 is_full;	/* bytes past the window were seen */
	bool		 is_closed;	/* no analyzer wants more */
};

/* Allocate the pool at startup.  Returns 0, or -1 with errno set. */
int		 stream_pool_init(struct stream_pool *pool, uint32_t n_slots,
		    uint32_t slot_bytes);
void		 stream_pool_free(struct stream_pool *pool);

/* Set the sequence number of the first payload byte (ISN + 1 from a SYN). */
void		 stream_set_base(struct stream *s, uint32_t seq);

/* Set the base again if no byte has been taken yet (a repeated SYN+ACK
 * with a new ISN); otherwise nothing changes. */
void		 stream_rebase(struct stream *s, uint32_t seq);

/* Add a segment.  Returns true if the contiguous prefix grew, in which case
 * stream_data() shows the longer prefix. */
bool		 stream_add(struct stream_pool *pool, struct stream *s,
		    uint32_t seq, const uint8_t *data, size_t len);

/* The contiguous prefix (borrowed; valid until the stream is released). */
const uint8_t	*stream_data(const struct stream_pool *pool,
		    const struct stream *s, size_t *len);

/* Give the buffer back and ignore later bytes. */
void		 stream_close(struct stream_pool *pool, struct stream *s);

#endif
