/* sensor/output_tee.h: one output that writes every record to two.
 *
 * fpsensor uses it for -o FILE together with --kafka-brokers: the file gets
 * the records as printed, Kafka the same records. */
#ifndef FP_SENSOR_OUTPUT_TEE_H
#define FP_SENSOR_OUTPUT_TEE_H

#include "sensor/output.h"

/* Open o over a and b (borrowed: both must be open, and are closed by
 * o's close).  A record counts as written when both took it.  Returns 0, or
 * -1 with errno set (a and b are left open then). */
int	output_tee_open(struct output *o, struct output *a, struct output *b);

#endif
