/* tests/kafka/mock_broker.c: a Kafka cluster for the delivery tests.
 *
 * librdkafka's mock cluster speaks the real Kafka protocol over TCP on
 * 127.0.0.1 (ports chosen by the kernel).  This program creates one, creates
 * the topics named with -t, prints the bootstrap list on stdout (one line)
 * and runs until SIGTERM or SIGINT.  The data lives in this process's memory,
 * so a test that wants "the broker went away and came back" keeps the
 * process and sends signals instead of restarting it:
 *
 *	SIGUSR1	every broker down: connections closed, new ones refused
 *	SIGUSR2	every broker up again
 *
 * usage: mock_broker [-n BROKERS] [-t TOPIC[:PARTITIONS]]...
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MOCK_MAX_TOPICS	16

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_down;
static volatile sig_atomic_t got_up;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_down = 1;
	else if (sig == SIGUSR2)
		got_up = 1;
	else
		got_stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mock_broker [-n BROKERS] "
	    "[-t TOPIC[:PARTITIONS]]...\n");
	exit(64);
}

/* The mock cluster logs every refused connection; keep errors only. */
static void
quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 3)
		fprintf(stderr, "mock_broker: %s: %s\n", fac, buf);
}

int
main(int argc, char **argv)
{
	const char *topics[MOCK_MAX_TOPICS];
	int parts[MOCK_MAX_TOPICS];
	int n_topics = 0, n_brokers = 1, ch;
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	struct sigaction sa;
	sigset_t block, old;

	while ((ch = getopt(argc, argv, "n:t:")) != -1) {
		switch (ch) {
		case 'n':
			n_brokers = atoi(optarg);
			if (n_brokers < 1 || n_brokers > 5)
				usage();
			break;
		case 't': {
			char *colon = strrchr(optarg, ':');

			if (n_topics == MOCK_MAX_TOPICS)
				usage();
			parts[n_topics] = 1;
			if (colon != NULL) {
				*colon = '\0';
				parts[n_topics] = atoi(colon + 1);
				if (parts[n_topics] < 1 || parts[n_topics] > 64)
					usage();
			}
			topics[n_topics++] = optarg;
			break;
		}
		default:
			usage();
		}
	}

	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet_log);
	if (rd_kafka_conf_set(conf, "client.id", "mock_broker", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "mock_broker: %s\n", errstr);
		return 1;
	}
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
	    sizeof(errstr))) == NULL) {
		fprintf(stderr, "mock_broker: %s\n", errstr);
		return 1;
	}
	if ((mc = rd_kafka_mock_cluster_new(rk, n_brokers)) == NULL) {
		fprintf(stderr, "mock_broker: cannot create the mock "
		    "cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	for (int i = 0; i < n_topics; i++) {
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc,
		    topics[i], parts[i], 1);

		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "mock_broker: topic %s: %s\n",
			    topics[i], rd_kafka_err2str(err));
			return 1;
		}
	}

	/* Signals are only taken in sigsuspend(), so the mock API is called
	 * from this thread and never from a handler. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	while (!got_stop) {
		sigsuspend(&old);
		if (got_down) {
			got_down = 0;
			rd_kafka_mock_broker_set_down(mc, -1);
			fprintf(stderr, "mock_broker: brokers down\n");
		}
		if (got_up) {
			got_up = 0;
			rd_kafka_mock_broker_set_up(mc, -1);
			fprintf(stderr, "mock_broker: brokers up\n");
		}
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
