/* sensor/main.c: fpsensor's command line, setup and teardown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "analyzers/analyzer.h"
#include "analyzers/p0f_db.h"
#include "analyzers/p0f_http.h"
#include "log.h"
#include "opt.h"
#include "sensor/capture.h"
#include "sensor/enrich.h"
#include "sensor/output.h"
#include "sensor/output_kafka.h"
#include "sensor/model_set.h"
#include "sensor/output_tee.h"
#include "sensor/pipeline.h"
#include "sensor/rules.h"

/* Exit codes, documented in fpsensor(8). */
#define EXIT_DAMAGED	1	/* input damaged partway; records written */
#define EXIT_NOINPUT	2	/* nothing could be read */
#define EXIT_OUTPUT	3	/* records could not be written */
#define EXIT_SPOOLED	4	/* Kafka: records left in the spool */
#define EXIT_USAGE	64	/* bad command line or configuration */

#define DEFAULT_P0F_DB	"/etc/p0f/p0f.fp"
#define DEFAULT_CLIENT_WINDOW	600u	/* seconds */
#define DEFAULT_MAX_CLIENTS	8192u

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

struct options {
	const char	*read_path;
	const char	*out_path;
	const char	*bpf;
	const char	*p0f_path;
	bool		 no_p0f;
	const char	*rules_dir;	/* --rules, or the default found */
	bool		 no_rules;
	struct model_set_config mc;	/* --model-dir, --model, ... */
	bool		 no_model;
	bool		 stats;
	bool		 deterministic;
	int		 ndpi;		/* --ndpi 1, --no-ndpi 0, default -1 */
	struct enrich_settings en;
	struct kafka_config kafka;	/* used when kafka.brokers is set */
	struct pipeline_config pc;
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: fpsensor -r FILE [options]\n"
"\n"
"Passive network fingerprinting: reads a capture and prints one JSON object\n"
"per flow (TCP/IP p0f signature and OS label, JA4T with JA4+ builds).\n"
"\n"
"  -r, --read FILE        pcap or pcapng capture to replay ('-' for stdin)\n"
"  -o, --output FILE      write JSON lines to FILE (default: stdout)\n"
"  -f, --filter BPF       only packets matching the BPF expression\n"
"      --p0f-db PATH      p0f.fp signature database (default: %s\n"
"                         when it exists)\n"
"      --no-p0f           no OS labels, signatures only\n"
"      --max-flows N      flow table capacity (default: %u)\n"
"      --tcp-timeout SEC  idle timeout of TCP flows (default: %u)\n"
"      --udp-timeout SEC  idle timeout of UDP flows (default: %u)\n"
"      --stream-bytes N   bytes kept per TCP direction (default: %u)\n"
"      --stream-buffers N stream buffers in the pool (default: %u)\n"
"      --geoip-city PATH  MaxMind City/Country database: client and server\n"
"                         country, city, location\n"
"      --geoip-asn PATH   MaxMind ASN/ISP database: AS number and org\n"
"      --anonymize-key FILE  write keyed prefix-preserving pseudonyms\n"
"                         (Crypto-PAn) instead of IP addresses\n"
"      --ndpi, --no-ndpi  nDPI protocol, category and risks (default: on\n"
"                         when built with nDPI, off with --deterministic)\n"
"      --ndpi-packets N   packets per flow given to nDPI (default: 24)\n"
"      --kafka-brokers LIST  send records to Kafka (host:port,...) instead\n"
"                         of stdout (with -o FILE: to both)\n"
"      --kafka-topic NAME Kafka topic (required with --kafka-brokers)\n"
"      --kafka-conf KEY=VALUE  librdkafka setting (SASL, TLS, ...), repeatable\n"
"      --kafka-flush-timeout SEC  wait at exit for delivery (default: 10)\n"
"      --sensor-id ID     sensor_id header of Kafka messages (default: host)\n"
"      --spool-dir DIR    keep undeliverable records here, send them later\n"
"      --spool-max-bytes N  spool size cap; past it records are dropped\n"
"                         and counted (default: 1 GiB)\n"
"      --rules DIR        signature databases (tls.yaml, tcp.yaml, http.yaml,\n"
"                         useragent.yaml) for the verdict (default: %s\n"
"                         when it exists); SIGHUP reloads them\n"
"      --no-rules         no verdicts\n"
"      --model-dir DIR    client/OS family models, one subdirectory per\n"
"                         version (default: %s when it exists)\n"
"      --model VERSION    the model that decides (default: DIR/default,\n"
"                         else the newest version); SIGHUP reloads it\n"
"      --model-candidate VERSION  decides for a share of the clients\n"
"      --model-candidate-share PCT  that share (default: 0)\n"
"      --model-shadow VERSION  scored beside the deciding model, reported\n"
"                         in verdict.shadow, never deciding\n"
"      --no-model         verdicts from rules alone\n"
"      --client-window SEC  use a client's evidence from its other flows\n"
"                         of the last SEC seconds (default: %u, 0: off)\n"
"      --analyzers LIST   only these analyzers, comma-separated (default:\n"
"                         all: tcp,tls,tls_udp,http,dns,ssh,ndpi)\n"
"      --deterministic    no wall-clock fields (for golden tests)\n"
"      --stats            print counters to stderr at exit\n"
"  -v, --verbose          more log lines (repeat for debug)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 success, 1 input damaged partway (records before the damage\n"
"were written), 2 input could not be read, 3 output failed, 4 Kafka: records\n"
"left in the spool for the next run, 64 usage error.\n"
"See fpsensor(8).\n",
	    DEFAULT_P0F_DB, 65536u, 300u, 60u, 16384u, 4096u,
	    FP_DATADIR "/rules", FP_DATADIR "/models",
	    DEFAULT_CLIENT_WINDOW);
}

static void
version(void)
{
	printf("fpsensor %s (%s)\n", PACKAGE_VERSION,
#ifdef FP_JA4PLUS
	    "JA4+ analyzers: yes, FoxIO License 1.1"
#else
	    "JA4+ analyzers: no"
#endif
	    );
	printf("%s\n", pcap_lib_version());
}

/* 64 random bits from the kernel; time and pid if that fails. */
static uint64_t
random_u64(void)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	return (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL) ^
	    (uint64_t)clock();
}

/* "tcp,tls,http" -> the registry bits of those analyzers; "all" -> every
 * one.  An unknown name is a usage error that lists the known ones. */
static uint32_t
parse_analyzers(const char *list)
{
	uint32_t mask = 0;
	const char *p = list;

	if (strcmp(list, "all") == 0)
		return UINT32_MAX;
	while (*p != '\0') {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < n_analyzers; i++)
			if (strlen(analyzers[i]->name) == n &&
			    strncmp(analyzers[i]->name, p, n) == 0)
				break;
		if (i == n_analyzers || n == 0) {
			char known[256] = "";

			for (size_t k = 0; k < n_analyzers; k++) {
				strncat(known, k ? "," : "",
				    sizeof(known) - strlen(known) - 1);
				strncat(known, analyzers[k]->name,
				    sizeof(known) - strlen(known) - 1);
			}
			fatalx(EXIT_USAGE, "--analyzers: unknown analyzer "
			    "'%.*s' (known: %s)", (int)n, p, known);
		}
		mask |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

enum {
	OPT_P0F_DB = 256, OPT_NO_P0F, OPT_MAX_FLOWS, OPT_TCP_TIMEOUT,
	OPT_UDP_TIMEOUT, OPT_STREAM_BYTES, OPT_STREAM_BUFFERS,
	OPT_DETERMINISTIC, OPT_STATS, OPT_ANALYZERS,
	OPT_GEOIP_CITY, OPT_GEOIP_ASN, OPT_ANON_KEY, OPT_NDPI, OPT_NO_NDPI,
	OPT_NDPI_PACKETS,
	OPT_KAFKA_BROKERS, OPT_KAFKA_TOPIC, OPT_KAFKA_CONF, OPT_SENSOR_ID,
	OPT_SPOOL_DIR, OPT_SPOOL_MAX_BYTES, OPT_KAFKA_FLUSH_TIMEOUT,
	OPT_RULES, OPT_NO_RULES, OPT_CLIENT_WINDOW,
	OPT_MODEL_DIR, OPT_MODEL, OPT_NO_MODEL, OPT_MODEL_CANDIDATE,
	OPT_MODEL_CANDIDATE_SHARE, OPT_MODEL_SHADOW,
};

static const struct option long_opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "output", required_argument, NULL, 'o' },
	{ "filter", required_argument, NULL, 'f' },
	{ "p0f-db", required_argument, NULL, OPT_P0F_DB },
	{ "no-p0f", no_argument, NULL, OPT_NO_P0F },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "tcp-timeout", required_argument, NULL, OPT_TCP_TIMEOUT },
	{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
	{ "stream-bytes", required_argument, NULL, OPT_STREAM_BYTES },
	{ "stream-buffers", required_argument, NULL, OPT_STREAM_BUFFERS },
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "analyzers", required_argument, NULL, OPT_ANALYZERS },
	{ "geoip-city", required_argument, NULL, OPT_GEOIP_CITY },
	{ "geoip-asn", required_argument, NULL, OPT_GEOIP_ASN },
	{ "anonymize-key", required_argument, NULL, OPT_ANON_KEY },
	{ "ndpi", no_argument, NULL, OPT_NDPI },
	{ "no-ndpi", no_argument, NULL, OPT_NO_NDPI },
	{ "ndpi-packets", required_argument, NULL, OPT_NDPI_PACKETS },
	{ "kafka-brokers", required_argument, NULL, OPT_KAFKA_BROKERS },
	{ "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },
	{ "kafka-conf", required_argument, NULL, OPT_KAFKA_CONF },
	{ "kafka-flush-timeout", required_argument, NULL,
	    OPT_KAFKA_FLUSH_TIMEOUT },
	{ "sensor-id", required_argument, NULL, OPT_SENSOR_ID },
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
	{ "spool-max-bytes", required_argument, NULL, OPT_SPOOL_MAX_BYTES },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "no-rules", no_argument, NULL, OPT_NO_RULES },
	{ "client-window", required_argument, NULL, OPT_CLIENT_WINDOW },
	{ "model-dir", required_argument, NULL, OPT_MODEL_DIR },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "no-model", no_argument, NULL, OPT_NO_MODEL },
	{ "model-candidate", required_argument, NULL, OPT_MODEL_CANDIDATE },
	{ "model-candidate-share", required_argument, NULL,
	    OPT_MODEL_CANDIDATE_SHARE },
	{ "model-shadow", required_argument, NULL, OPT_MODEL_SHADOW },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The Kafka options hang together; defaults for the ones not given. */
static void
check_kafka_args(struct options *o)
{
	struct kafka_config *k = &o->kafka;

	if (k->brokers == NULL && (k->topic != NULL || k->n_conf > 0 ||
	    k->spool_dir != NULL || k->sensor_id != NULL))
		fatalx(EXIT_USAGE, "--kafka-topic, --kafka-conf, --sensor-id "
		    "and --spool-dir need --kafka-brokers");
	if (k->brokers != NULL && k->topic == NULL)
		fatalx(EXIT_USAGE, "--kafka-brokers needs --kafka-topic");
	if (k->brokers != NULL && !output_kafka_available())
		fatalx(EXIT_USAGE, "--kafka-brokers: this fpsensor was built "
		    "without librdkafka (see ./configure --with-rdkafka)");
	if (k->flush_timeout_ms == 0)
		k->flush_timeout_ms = KAFKA_DEFAULT_FLUSH_MS;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	int ch, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->ndpi = -1;
	o->pc.analyzer_mask = UINT32_MAX;
	o->pc.flow.max_flows = 65536;
	o->pc.flow.tcp_idle_us = 300ull * 1000000;
	o->pc.flow.udp_idle_us = 60ull * 1000000;
	o->pc.flow.closing_us = 5ull * 1000000;
	o->pc.stream_bytes = 16384;
	o->pc.stream_slots = 4096;
	o->pc.frag_slots = 32768;
	o->pc.quic_slots = 512;
	o->pc.client_window_us = DEFAULT_CLIENT_WINDOW * 1000000ull;
	o->pc.max_clients = DEFAULT_MAX_CLIENTS;
	while ((ch = getopt_long(argc, argv, "r:o:f:vVh", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': o->read_path = optarg; break;
		case 'o': o->out_path = optarg; break;
		case 'f': o->bpf = optarg; break;
		case OPT_P0F_DB: o->p0f_path = optarg; break;
		case OPT_NO_P0F: o->no_p0f = true; break;
		case OPT_MAX_FLOWS:
			o->pc.flow.max_flows = (uint32_t)opt_number("max-flows",
			    optarg, 1, 1u << 26);
			break;
		case OPT_TCP_TIMEOUT:
			o->pc.flow.tcp_idle_us = opt_number("tcp-timeout",
			    optarg, 1, 86400) * 1000000;
			break;
		case OPT_UDP_TIMEOUT:
			o->pc.flow.udp_idle_us = opt_number("udp-timeout",
			    optarg, 1, 86400) * 1000000;
			break;
		case OPT_STREAM_BYTES:
			o->pc.stream_bytes = (uint32_t)opt_number(
			    "stream-bytes", optarg, 256, 65536);
			break;
		case OPT_STREAM_BUFFERS:
			o->pc.stream_slots = (uint32_t)opt_number(
			    "stream-buffers", optarg, 0, 1u << 22);
			break;
		case OPT_DETERMINISTIC: o->deterministic = true; break;
		case OPT_STATS: o->stats = true; break;
		case OPT_ANALYZERS:
			o->pc.analyzer_mask = parse_analyzers(optarg);
			break;
		case OPT_GEOIP_CITY:
			o->en.geoip.path[GEOIP_CITY] = optarg;
			o->en.geoip.absent_ok[GEOIP_CITY] = true;
			break;
		case OPT_GEOIP_ASN:
			o->en.geoip.path[GEOIP_ASN] = optarg;
			o->en.geoip.absent_ok[GEOIP_ASN] = true;
			break;
		case OPT_ANON_KEY: o->en.anon_key_path = optarg; break;
		case OPT_NDPI: o->ndpi = 1; break;
		case OPT_NO_NDPI: o->ndpi = 0; break;
		case OPT_NDPI_PACKETS:
			o->en.ndpi.max_packets = (uint32_t)opt_number(
			    "ndpi-packets", optarg, 1, FP_NDPI_PACKETS_MAX);
			break;
		case OPT_KAFKA_BROKERS: o->kafka.brokers = optarg; break;
		case OPT_KAFKA_TOPIC: o->kafka.topic = optarg; break;
		case OPT_KAFKA_CONF: {
			char err[512];

			if (kafka_config_add(&o->kafka, optarg, err,
			    sizeof(err)) != 0)
				fatalx(EXIT_USAGE, "%s", err);
			break;
		}
		case OPT_SENSOR_ID: o->kafka.sensor_id = optarg; break;
		case OPT_SPOOL_DIR: o->kafka.spool_dir = optarg; break;
		case OPT_SPOOL_MAX_BYTES:
			o->kafka.spool_max_bytes = opt_number("spool-max-bytes",
			    optarg, 4096, UINT64_MAX / 2);
			break;
		case OPT_KAFKA_FLUSH_TIMEOUT:
			o->kafka.flush_timeout_ms = (uint32_t)opt_number(
			    "kafka-flush-timeout", optarg, 0, 3600) * 1000;
			break;
		case OPT_RULES:
			o->rules_dir = optarg;
			break;
		case OPT_NO_RULES: o->no_rules = true; break;
		case OPT_CLIENT_WINDOW:
			o->pc.client_window_us = opt_number("client-window",
			    optarg, 0, 86400 * 7) * 1000000;
			o->pc.max_clients = o->pc.client_window_us ?
			    DEFAULT_MAX_CLIENTS : 0;
			break;
		case OPT_MODEL_DIR: o->mc.dir = optarg; break;
		case OPT_MODEL: o->mc.version[MODEL_PRIMARY] = optarg; break;
		case OPT_NO_MODEL: o->no_model = true; break;
		case OPT_MODEL_CANDIDATE:
			o->mc.version[MODEL_CANDIDATE] = optarg;
			break;
		case OPT_MODEL_CANDIDATE_SHARE:
			o->mc.candidate_pct = (unsigned)opt_number(
			    "model-candidate-share", optarg, 0, 100);
			break;
		case OPT_MODEL_SHADOW:
			o->mc.version[MODEL_SHADOW] = optarg;
			break;
		case 'v': verbose++; break;
		case 'V': version(); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fpsensor: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (o->read_path == NULL) {
		fprintf(stderr, "fpsensor: nothing to read: give -r FILE\n");
		usage(stderr);
		exit(EXIT_USAGE);
	}
	log_set_level(verbose >= 2 ? LOG_LEVEL_DEBUG : verbose ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN);
	check_kafka_args(o);
	/* nDPI when asked (--ndpi, --ndpi-packets), else when built with it,
	 * but not under --deterministic: golden output must not depend on the
	 * libndpi version installed. */
	if (o->ndpi < 0 && o->en.ndpi.max_packets != 0)
		o->ndpi = 1;
	o->en.use_ndpi = o->ndpi > 0 || (o->ndpi < 0 && fp_ndpi_is_built() &&
	    !o->deterministic);
	o->en.ndpi.max_flows = o->pc.flow.max_flows;
	o->pc.deterministic = o->deterministic;
	o->pc.hash_seed = o->deterministic ? 1 : random_u64();
	o->pc.run_id = o->deterministic ? 0 : random_u64();
}

/* The p0f database: --p0f-db must load; the default is used if present.
 * Its [http:request] section goes to *http (empty when none). */
static struct p0f_db *
load_p0f(const struct options *o, struct p0f_http_db *http)
{
	char err[512];
	struct p0f_db *db;
	const char *path = o->p0f_path;

	memset(http, 0, sizeof(*http));

	if (o->no_p0f)
		return NULL;
	if (path == NULL) {
		if (access(DEFAULT_P0F_DB, R_OK) != 0) {
			log_warnx("no p0f database at %s: signatures without "
			    "OS labels (install p0f or use --p0f-db)",
			    DEFAULT_P0F_DB);
			return NULL;
		}
		path = DEFAULT_P0F_DB;
	}
	if ((db = p0f_db_load(path, err, sizeof(err))) == NULL)
		fatalx(EXIT_USAGE, "p0f database %s", err);
	if (p0f_http_load(http, path, err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "p0f database %s", err);
	log_info("p0f database %s: %zu SYN and %zu SYN+ACK signatures",
	    path, db->n_tcp[0], db->n_tcp[1]);
	return db;
}

/*
 * The signature databases: --rules DIR must load; by default the installed
 * ones (FP_DATADIR/rules), else those of the source tree this fpsensor was
 * built from, so that build/fpsensor shows verdicts; a missing default is
 * silent.  NULL with --no-rules or when none is found.
 */
static struct rules *
load_rules(struct options *o)
{
#ifdef FP_SRCDIR
	static const char *const defaults[] = { FP_DATADIR "/rules",
	    FP_SRCDIR "/rules" };
#else
	static const char *const defaults[] = { FP_DATADIR "/rules" };
#endif
	char err[1024];
	struct rules *r;

	if (o->no_rules)
		return NULL;
	if (o->rules_dir == NULL) {
		for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]);
		    i++)
			if (access(defaults[i], R_OK | X_OK) == 0) {
				o->rules_dir = defaults[i];
				break;
			}
		if (o->rules_dir == NULL)
			return NULL;
	}
	if ((r = rules_load_dir(o->rules_dir, err, sizeof(err))) == NULL)
		fatalx(EXIT_USAGE, "rules: %s", err);
	log_info("rules %s: %zu TLS, %zu TCP, %zu HTTP, %zu+%zu User-Agent",
	    o->rules_dir, r->n_tls, r->n_tcp, r->n_http, r->n_browsers,
	    r->n_oses);
	return r;
}

/*
 * The models: with --model-dir or any --model* option they must load (exit
 * 64 naming the file); by default those installed (FP_DATADIR/models),
 * else the source tree's, and none found is one warning and verdicts from
 * rules alone (silently in a build without XGBoost).  Verdicts need
 * rules: none with --no-rules or without rules.  NULL when no model is
 * used.
 */
static struct model_set *
load_models(struct options *o, struct model_counters *mc)
{
#ifdef FP_SRCDIR
	static const char *const defaults[] = { FP_DATADIR "/models",
	    FP_SRCDIR "/models" };
#else
	static const char *const defaults[] = { FP_DATADIR "/models" };
#endif
	bool asked = o->mc.dir != NULL || o->mc.version[0] != NULL ||
	    o->mc.version[1] != NULL || o->mc.version[2] != NULL;
	struct model_set *ms;
	char err[1024];

	if (o->no_model || o->no_rules || (o->rules_dir == NULL && !asked))
		return NULL;
#ifndef HAVE_XGBOOST
	if (!asked)
		return NULL;	/* nothing could load: no warning per run */
#endif
	if (o->mc.version[MODEL_CANDIDATE] == NULL && o->mc.candidate_pct)
		fatalx(EXIT_USAGE, "--model-candidate-share needs "
		    "--model-candidate");
	for (size_t i = 0; o->mc.dir == NULL &&
	    i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (access(defaults[i], R_OK | X_OK) == 0)
			o->mc.dir = defaults[i];
	if (o->mc.dir == NULL) {
		if (asked)
			fatalx(EXIT_USAGE, "--model: no model directory "
			    "(give --model-dir)");
		log_warnx("no model directory at %s: verdicts from rules "
		    "alone", defaults[0]);
		return NULL;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		fatal(EXIT_USAGE, "models");
	if (model_set_load(ms, &o->mc, mc, err, sizeof(err)) != 0) {
		free(ms);
		if (asked)
			fatalx(EXIT_USAGE, "model: %s", err);
		log_warnx("model: %s: verdicts from rules alone", err);
		o->mc.dir = NULL;
		return NULL;
	}
	log_info("models %s: %s%s%s%s%s", o->mc.dir,
	    model_set_version(ms, MODEL_PRIMARY),
	    ms->slot[MODEL_CANDIDATE].m ? ", candidate " : "",
	    ms->slot[MODEL_CANDIDATE].m ?
	    model_set_version(ms, MODEL_CANDIDATE) : "",
	    ms->slot[MODEL_SHADOW].m ? ", shadow " : "",
	    ms->slot[MODEL_SHADOW].m ? model_set_version(ms, MODEL_SHADOW) :
	    "");
	return ms;
}

/* Where records go: stdout or -o FILE, Kafka, or both. */
struct outputs {
	struct output		 file;
	struct output		 kafka;
	struct output		 tee;
	struct kafka_stats	 ks;
};

static struct output *
open_outputs(struct options *o, struct outputs *outs)
{
	char err[1024];

	memset(outs, 0, sizeof(*outs));
	if (o->kafka.brokers == NULL || o->out_path != NULL)
		if (output_file_open(&outs->file, o->out_path) != 0)
			fatal(EXIT_OUTPUT, "%s", o->out_path);
	if (o->kafka.brokers == NULL)
		return &outs->file;
	if (output_kafka_open(&outs->kafka, &o->kafka, &outs->ks, err,
	    sizeof(err)) != 0)
		fatalx(strstr(err, "spool") != NULL ? EXIT_OUTPUT : EXIT_USAGE,
		    "%s", err);
	if (o->out_path == NULL)
		return &outs->kafka;
	if (output_tee_open(&outs->tee, &outs->file, &outs->kafka) != 0)
		fatal(EXIT_OUTPUT, "output");
	return &outs->tee;
}

/* Records lost (spool full, refused) fail the run; records left in the
 * spool are delivered by the next run and get their own exit status. */
static int
kafka_exit_status(const struct kafka_config *k, const struct kafka_stats *ks,
    int status)
{
	if (ks->spool_drops > 0 || ks->rejected > 0) {
		log_errx("kafka: %" PRIu64 " records lost (%" PRIu64 " spool "
		    "drops, %" PRIu64 " refused by the broker)",
		    ks->spool_drops + ks->rejected, ks->spool_drops,
		    ks->rejected);
		return EXIT_OUTPUT;
	}
	if (ks->spool_records > 0) {
		log_warnx("kafka: %" PRIu64 " records not delivered yet, kept "
		    "in spool %s for the next run", ks->spool_records,
		    k->spool_dir);
		return status == 0 ? EXIT_SPOOLED : status;
	}
	return status;
}

struct replay {
	struct pipeline			*p;
	struct enrich_set		*es;
	const struct enrich_settings	*en;
	uint64_t			 n_reloads;	/* SIGHUPs acted on */
	uint64_t			 n_failed;	/* databases kept */
	const char			*rules_dir;	/* NULL: no rules */
	struct rules			*rules;		/* in use, owned */
	uint64_t			 n_rules_reloads;
	uint64_t			 n_rules_failed;
	const struct model_set_config	*mc;		/* NULL: no models */
	struct model_set		*models;	/* in use, owned */
	struct model_counters		*model_counters;
};

/*
 * SIGHUP: load the models again (the default version resolved anew, so a
 * new DIR/default or a newer version is taken up) beside those in use;
 * only a whole good set replaces them, else the old set stays and the
 * reason, naming the file, is logged.
 */
static void
reload_models(struct replay *r)
{
	struct model_counters *mc = r->model_counters;
	struct model_set *n;
	char err[1024];

	if (r->mc == NULL)
		return;
	mc->reloads++;
	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    model_set_load(n, r->mc, mc, err, sizeof(err)) != 0) {
		if (n == NULL)
			snprintf(err, sizeof(err), "%s", strerror(errno));
		free(n);
		mc->reloads_failed++;
		log_warnx("reload: model: %s; keeping model %s", err,
		    model_set_version(r->models, MODEL_PRIMARY));
		return;
	}
	r->p->verdict.models = n;
	model_set_free(r->models);
	free(r->models);
	r->models = n;
	log_info("reloaded model %s", model_set_version(n, MODEL_PRIMARY));
}

/*
 * SIGHUP: load the rules directory again beside the rules in use; only a
 * whole good set replaces them (one pointer), a bad file keeps the old set
 * and its FILE:LINE:COL is logged.  The worker reads the rules between
 * packets, so the old set is freed at once.
 */
static void
reload_rules(struct replay *r)
{
	char err[1024];
	struct rules *n;

	if (r->rules_dir == NULL)
		return;
	r->n_rules_reloads++;
	if ((n = rules_load_dir(r->rules_dir, err, sizeof(err))) == NULL) {
		r->n_rules_failed++;
		log_warnx("reload: %s; keeping the previous rules", err);
		return;
	}
	r->p->verdict.rules = n;
	rules_free(r->rules);
	r->rules = n;
	log_info("reloaded rules %s", r->rules_dir);
}

/*
 * SIGHUP: reopen every GeoIP database that is in use, from the same path.
 * Each one is opened and checked whole before it replaces the old one; a
 * database that fails keeps the last good one and the reason is logged.
 * Records written from then on use the new databases (the per-worker
 * lookup cache drops entries of an older generation).
 */
static void
reload_geoip(struct replay *r)
{
	static const char *const kind[GEOIP_N_KIND] = { "city", "ASN" };
	char err[512];

	reload_requested = 0;
	r->n_reloads++;
	for (int k = 0; k < GEOIP_N_KIND; k++) {
		const char *path = r->en->geoip.path[k];

		if (path == NULL)
			continue;
		if (geoip_reload(&r->es->geoip, k, path, err,
		    sizeof(err)) == 0) {
			log_info("reloaded %s database %s", kind[k], path);
		} else {
			r->n_failed++;
			log_warnx("reload: %s; keeping the previous %s database",
			    err, kind[k]);
		}
	}
}

static void
on_packet(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct replay *r = arg;

	if (reload_requested) {
		reload_geoip(r);
		reload_rules(r);
		reload_models(r);
	}
	pipeline_packet(r->p, dlt, ts_us, data, caplen, wire_len);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct capture cap;
	struct outputs outs;
	struct output *outp;
	struct pipeline p;
	struct p0f_db *db;
	struct p0f_http_db p0f_http;
	struct enrich_set es;
	enum capture_result res;
	struct sigaction sa;
	struct replay rp;
	struct rules *rules;
	struct model_set *models;
	struct model_counters mcount;
	char err[1024];
	int status = 0;

	log_init("fpsensor", LOG_LEVEL_WARN);
	parse_args(argc, argv, &o);
	/* Before the databases and models load (that takes a while): a
	 * SIGHUP meanwhile is acted on at the first packet. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART;	/* a reload must not cut a read short */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	db = load_p0f(&o, &p0f_http);
	o.pc.p0f = db;
	o.pc.p0f_http = p0f_http.n_sigs > 0 ? &p0f_http : NULL;
	if (enrich_set_load(&es, &o.en, err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "%s", err);
	o.pc.ndpi = es.ndpi;
	rules = load_rules(&o);
	o.pc.rules = rules;
	memset(&mcount, 0, sizeof(mcount));
	models = load_models(&o, &mcount);
	o.pc.models = models;
	o.kafka.model_version = model_set_version(models, MODEL_PRIMARY);
	o.pc.enrich = &es.enrich;

	if (capture_open_offline(&cap, o.read_path, o.bpf) != 0) {
		log_errx("%s", cap.err);
		p0f_db_free(db);
		p0f_http_db_free(&p0f_http);
		enrich_set_free(&es);
		rules_free(rules);
		if (models != NULL)
			model_set_free(models);
		free(models);
		return strncmp(cap.err, "filter", 6) == 0 ? EXIT_USAGE :
		    EXIT_NOINPUT;
	}
	outp = open_outputs(&o, &outs);
	if (pipeline_init(&p, &o.pc, outp) != 0)
		fatal(EXIT_USAGE, "cannot allocate %u flows", o.pc.flow.max_flows);

	rp = (struct replay){ .p = &p, .es = &es, .en = &o.en,
	    .rules_dir = rules != NULL ? o.rules_dir : NULL, .rules = rules,
	    .mc = models != NULL ? &o.mc : NULL, .models = models,
	    .model_counters = &mcount };
	res = capture_run(&cap, on_packet, &rp, &stop_requested);
	if (res == CAPTURE_DAMAGED) {
		log_errx("%s", cap.err);
		status = cap.n_read ? EXIT_DAMAGED : EXIT_NOINPUT;
	}
	pipeline_finish(&p);
	if (output_close(outp) != 0 || p.stats.records_failed) {
		log_errx("writing records to %s failed", outp->name);
		status = EXIT_OUTPUT;
	}
	if (o.kafka.brokers != NULL && status != EXIT_OUTPUT)
		status = kafka_exit_status(&o.kafka, &outs.ks, status);
	if (o.stats)
		stats_print(stderr, &p);
	if (o.stats)
		fprintf(stderr, "geoip_reloads=%" PRIu64 "\n"
		    "geoip_reloads_failed=%" PRIu64 "\n"
		    "rules_reloads=%" PRIu64 "\n"
		    "rules_reloads_failed=%" PRIu64 "\n", rp.n_reloads,
		    rp.n_failed, rp.n_rules_reloads, rp.n_rules_failed);
	if (o.stats)
		model_counters_print(&mcount, rp.models, stderr);
	if (o.stats && o.kafka.brokers != NULL)
		kafka_stats_print(stderr, &outs.ks);
	pipeline_free(&p);
	rules_free(rp.rules);
	if (rp.models != NULL)
		model_set_free(rp.models);
	free(rp.models);
	capture_close(&cap);
	p0f_db_free(db);
	p0f_http_db_free(&p0f_http);
	enrich_set_free(&es);
	return status;
}
