/* lib/kafka_conf.h: librdkafka settings for fpsensor and fpsink: the
 * program's defaults, then the user's --kafka-conf KEY=VALUE (which win).
 * Only with librdkafka (HAVE_RDKAFKA). */
#ifndef FP_LIB_KAFKA_CONF_H
#define FP_LIB_KAFKA_CONF_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* Set key=val on conf; on failure err says which setting and why. */
int	kafka_conf_set(rd_kafka_conf_t *conf, const char *key,
	    const char *val, char *err, size_t errlen);

/* Set defs[0..n_defs) and then user[0..n_user) ("KEY=VALUE") on conf.
 * Returns 0, or -1 with err naming the setting (or the malformed
 * --kafka-conf argument) and why. */
int	kafka_conf_apply(rd_kafka_conf_t *conf, const char *const (*defs)[2],
	    size_t n_defs, const char *const *user, size_t n_user, char *err,
	    size_t errlen);

#endif
