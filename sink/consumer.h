/* sink/consumer.h: fpsink's Kafka side: the consumer group and the
 * dead-letter producer (librdkafka).
 *
 * Offsets are never committed automatically (enable.auto.commit=false):
 * consumer_commit() commits the batch's offsets once it is stored.  When
 * partitions are taken away (a rebalance), the uncommitted batch is dropped
 * from memory; the partition's next owner reads it again from the last
 * commit, and Postgres ignores the rows it already has. */
#ifndef FP_SINK_CONSUMER_H
#define FP_SINK_CONSUMER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sink/sink.h"

struct consumer;

/* One message of the current batch (borrowed from the consumer until the
 * next consumer_fill() or consumer_drop()). */
struct consumer_msg {
	const uint8_t	*payload;
	size_t		 len;
	char		 sensor_id[SINK_SENSOR_ID_MAX];	/* headers, or "" */
	char		 model_version[SINK_MODEL_MAX];
};

/* Create the consumer (subscribed to cfg->topic) and the dead-letter
 * producer.  Returns NULL with err naming the setting at fault. */
struct consumer	*consumer_new(const struct sink_config *cfg,
		    struct sink_stats *st, char *err, size_t errlen);

/* Read messages until the batch has max_n, max_ms passed or *stop is set.
 * Returns how many the batch holds now (a rebalance may have emptied it). */
size_t	consumer_fill(struct consumer *c, size_t max_n, uint32_t max_ms,
	    volatile sig_atomic_t *stop);

/* True once partitions were assigned to this member (and still are). */
bool	consumer_is_assigned(const struct consumer *c);

/* Message i of the batch. */
const struct consumer_msg	*consumer_msg(const struct consumer *c,
				    size_t i);

/* Send batch message i to the dead-letter topic, with the reason in the
 * headers dlq_reason and dlq_detail.  Returns 0 or -1 (queue full). */
int	consumer_dead_letter(struct consumer *c, size_t i, const char *reason,
	    const char *detail);

/* Wait until every dead letter is delivered.  Returns 0, or -1 if one
 * could not be (the batch must then not be committed). */
int	consumer_dead_letters_flush(struct consumer *c, int timeout_ms);

/* Commit the batch's offsets (synchronously) and drop it.  Returns 0 or -1
 * (counted; the batch is dropped either way and comes again). */
int	consumer_commit(struct consumer *c);

/* Drop the batch without committing. */
void	consumer_drop(struct consumer *c);

/* Leave the group and free.  consumer_close(NULL) is a no-op. */
void	consumer_close(struct consumer *c);

/* The lag of each assigned partition: high watermark (as last fetched,
 * no request made) minus the position.  Returns how many of out[0..max)
 * were filled. */
struct consumer_lag {
	char		 topic[128];
	int32_t		 partition;
	int64_t		 lag;
};
size_t	consumer_lag(struct consumer *c, struct consumer_lag *out,
	    size_t max);

#endif
