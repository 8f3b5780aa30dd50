/* lib/kafka_conf.c: librdkafka settings shared by fpsensor and fpsink. */
#include "config.h"

#ifdef HAVE_RDKAFKA
#include "kafka_conf.h"

#include <stdio.h>
#include <string.h>

int
kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *val,
    char *err, size_t errlen)
{
	char why[512];

	if (rd_kafka_conf_set(conf, key, val, why, sizeof(why)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "kafka setting %s=%s: %s", key, val, why);
	return -1;
}

int
kafka_conf_apply(rd_kafka_conf_t *conf, const char *const (*defs)[2],
    size_t n_defs, const char *const *user, size_t n_user, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < n_defs; i++)
		if (kafka_conf_set(conf, defs[i][0], defs[i][1], err,
		    errlen) != 0)
			return -1;
	for (size_t i = 0; i < n_user; i++) {
		char key[256];
		const char *eq = strchr(user[i], '=');
		size_t klen = eq ? (size_t)(eq - user[i]) : 0;

		if (klen == 0 || klen >= sizeof(key)) {
			snprintf(err, errlen, "--kafka-conf '%s': expected "
			    "KEY=VALUE", user[i]);
			return -1;
		}
		memcpy(key, user[i], klen);
		key[klen] = '\0';
		if (kafka_conf_set(conf, key, eq + 1, err, errlen) != 0)
			return -1;
	}
	return 0;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int fp_kafka_conf_unused;
#endif
