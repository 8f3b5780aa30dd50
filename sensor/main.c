/* sensor/main.c: fpsensor's command line, setup and teardown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "analyzers/analyzer.h"
#include "analyzers/p0f_db.h"
#include "analyzers/p0f_http.h"
#include "crypto_arena.h"
#include "lib/config.h"
#include "log.h"
#include "opt.h"
#include "sensor/capture.h"
#include "sensor/enrich.h"
#include "sensor/live.h"
#include "sensor/metrics.h"
#include "sensor/output.h"
#include "sensor/output_kafka.h"
#include "sensor/model_set.h"
#include "sensor/output_tee.h"
#include "sensor/pcapng_dsb.h"
#include "sensor/pipeline.h"
#include "sensor/privdrop.h"
#include "sensor/rules.h"
#include "sensor/stage.h"
#include "sensor/watch.h"

/* Exit codes, documented in fpsensor(8). */
#define EXIT_DAMAGED	1	/* input damaged partway; records written */
#define EXIT_NOINPUT	2	/* nothing could be read */
#define EXIT_OUTPUT	3	/* records could not be written */
#define EXIT_SPOOLED	4	/* Kafka: records left in the spool */
#define EXIT_USAGE	64	/* bad command line or configuration */

#define DEFAULT_P0F_DB	"/etc/p0f/p0f.fp"
#define DEFAULT_CLIENT_WINDOW	600u	/* seconds */
#define DEFAULT_MAX_CLIENTS	8192u
#define LIVE_DEFAULT_RING_MB	64u

static volatile sig_atomic_t stop_requested;
/* SIGHUP or a file changed (sensor/watch.h); lock-free, so a signal
 * handler may set it. */
static atomic_int reload_requested;

struct options {
	const char	*read_path;
	const char	*out_path;
	const char	*bpf;
	const char	*p0f_path;
	const char	*tls_keylog_path;	/* --tls-keylog */
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
	struct live_config live;	/* used when live.cap.iface is set */
	const char	*user;		/* --user: switch to it after opening */
	const char	*metrics_addr;	/* --metrics ADDR:PORT */
	bool		 no_watch;	/* --no-watch: reload on SIGHUP only */
	uint32_t	 metrics_linger_s;
	unsigned	 verbose;
	bool		 check_only;	/* --check-config */
	struct cfg	 cfg;		/* owns the file's strings */
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		atomic_store_explicit(&reload_requested, 1,
		    memory_order_relaxed);
	else
		stop_requested = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: fpsensor -r FILE | -i IFACE [options]\n"
"\n"
"Passive network fingerprinting: reads a capture and prints one JSON object\n"
"per flow (TCP/IP p0f signature and OS label, JA4T with JA4+ builds).\n"
"\n"
"  -r, --read FILE        pcap or pcapng capture to replay ('-' for stdin)\n"
"  -i, --interface IFACE  capture live on IFACE until SIGINT or SIGTERM\n"
"      --workers N        threads, flows spread by hash (default 1; -r FILE:\n"
"                         each reads the file, -r -: fed by a reader thread)\n"
"      --capture-method M live: auto (afpacket on Linux), afpacket or pcap\n"
"      --ring-mb N        live: kernel ring MiB per worker (default: %u)\n"
"      --cpu-pin LIST     live: pin worker i to the i-th CPU of LIST (0,2-3)\n"
"      --user NAME        live: switch to this user once the capture is open\n"
"  -o, --output FILE      write JSON lines to FILE (default: stdout)\n"
"  -f, --filter BPF       only packets matching the BPF expression\n"
"      --p0f-db PATH      p0f.fp signature database (default: %s\n"
"                         when it exists)\n"
"      --no-p0f           no OS labels, signatures only\n"
"      --max-flows N      flow table capacity, per worker (default: %u)\n"
"      --tcp-timeout SEC  idle timeout of TCP flows (default: %u)\n"
"      --udp-timeout SEC  idle timeout of UDP flows (default: %u)\n"
"      --stream-bytes N   bytes kept per TCP direction (default: %u)\n"
"      --stream-buffers N stream buffers in the pool (default: %u)\n"
"      --geoip-city PATH  MaxMind City/Country database: client and server\n"
"                         country, city, location\n"
"      --geoip-asn PATH   MaxMind ASN/ISP database: AS number and org\n"
"      --anonymize-key FILE  write keyed prefix-preserving pseudonyms\n"
"                         (Crypto-PAn) instead of IP addresses\n"
"      --tls-keylog FILE  decrypt TLS with an NSS key log (SSLKEYLOGFILE) for\n"
"                         the HTTP fields (a pcapng's own secrets: always)\n"
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
"      --spool-mode MODE  wal: every record is written to the spool before\n"
"                         it is sent (survives SIGKILL; default); overflow:\n"
"                         only records that could not be delivered\n"
"      --rules DIR        signature databases (tls.yaml, tcp.yaml, http.yaml,\n"
"                         useragent.yaml) for the verdict; SIGHUP reloads\n"
"                         them (default, when it exists:\n"
"                         %s)\n"
"      --no-rules         no verdicts\n"
"      --model-dir DIR    client/OS family models, one subdirectory per\n"
"                         version (default, when it exists:\n"
"                         %s)\n"
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
"      --config FILE      read options from a YAML file (fpsensor.yaml(5));\n"
"                         command-line flags override it\n"
"      --check-config     check the options and every file they name,\n"
"                         print 'config ok' and exit\n"
"      --metrics ADDR:PORT  serve Prometheus /metrics, /healthz, /readyz\n"
"      --metrics-linger SEC keep serving SEC seconds after the input ends\n"
"      --no-watch         reload on SIGHUP only, not when the rules, GeoIP\n"
"                         or model files change\n"
"  -v, --verbose          more log lines (repeat for debug)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 success, 1 input damaged partway (records before the damage\n"
"were written), 2 input could not be read, 3 output failed, 4 Kafka: records\n"
"left in the spool for the next run, 64 usage error.\n"
"See fpsensor(8).\n",
	    LIVE_DEFAULT_RING_MB, DEFAULT_P0F_DB, 65536u, 300u, 60u, 16384u,
	    4096u, FP_DATADIR "/rules", FP_DATADIR "/models",
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
parse_analyzers(const struct cfg_value *v)
{
	uint32_t mask = 0;
	const char *list = v->str, *p = list;

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
			cfg_die(v, "unknown analyzer '%.*s' (known: %s)",
			    (int)n, p, known);
		}
		mask |= 1u << i;
		p += n;
		if (*p == ',')
			p++;
	}
	return mask;
}

enum {
	OPT_TCP_TIMEOUT = 256, OPT_UDP_TIMEOUT, OPT_ANALYZERS, OPT_GEOIP_CITY,
	OPT_GEOIP_ASN, OPT_NDPI, OPT_NO_NDPI, OPT_KAFKA_CONF,
	OPT_KAFKA_FLUSH_TIMEOUT, OPT_SPOOL_MODE, OPT_CLIENT_WINDOW, OPT_CAPTURE_METHOD,
	OPT_CPU_PIN,
};

/* Every option, once: getopt_long, the keys of fpsensor.yaml and their
 * checks come from here (lib/config.h).  An option that sets a field is one
 * line with OPT(field); one that needs code has an OPT_ id and a case in
 * apply_option(). */
#define OPT(field)	CFG_FIELD(struct options, field)
static const struct cfg_option sensor_opts[] = {
	{ "read", 'r', CFG_FILE, 0, 0, 0, CFG_F_DASH, OPT(read_path) },
	{ "interface", 'i', CFG_STRING, 0, 0, 0, 0, OPT(live.cap.iface) },
	{ "workers", 0, CFG_NUMBER, 0, 1, LIVE_MAX_WORKERS, 0,
	    OPT(live.cap.n_workers) },
	{ "capture-method", 0, CFG_STRING, OPT_CAPTURE_METHOD, 0, 0, 0, 0, 0 },
	{ "ring-mb", 0, CFG_NUMBER, 0, 1, 16384, 0, OPT(live.cap.ring_mb) },
	{ "cpu-pin", 0, CFG_LIST, OPT_CPU_PIN, 0, 0, 0, 0, 0 },
	{ "user", 0, CFG_STRING, 0, 0, 0, 0, OPT(user) },
	{ "output", 'o', CFG_STRING, 0, 0, 0, 0, OPT(out_path) },
	{ "filter", 'f', CFG_STRING, 0, 0, 0, 0, OPT(bpf) },
	{ "p0f-db", 0, CFG_FILE, 0, 0, 0, 0, OPT(p0f_path) },
	{ "no-p0f", 0, CFG_FLAG, 0, 0, 0, 0, OPT(no_p0f) },
	{ "max-flows", 0, CFG_NUMBER, 0, 1, 1u << 26, 0,
	    OPT(pc.flow.max_flows) },
	{ "tcp-timeout", 0, CFG_NUMBER, OPT_TCP_TIMEOUT, 1, 86400, 0, 0, 0 },
	{ "udp-timeout", 0, CFG_NUMBER, OPT_UDP_TIMEOUT, 1, 86400, 0, 0, 0 },
	{ "stream-bytes", 0, CFG_NUMBER, 0, 256, 65536, 0,
	    OPT(pc.stream_bytes) },
	{ "stream-buffers", 0, CFG_NUMBER, 0, 0, 1u << 22, 0,
	    OPT(pc.stream_slots) },
	{ "deterministic", 0, CFG_FLAG, 0, 0, 0, 0, OPT(deterministic) },
	{ "stats", 0, CFG_FLAG, 0, 0, 0, 0, OPT(stats) },
	{ "analyzers", 0, CFG_LIST, OPT_ANALYZERS, 0, 0, 0, 0, 0 },
	{ "geoip-city", 0, CFG_PATH, OPT_GEOIP_CITY, 0, 0, 0, 0, 0 },
	{ "geoip-asn", 0, CFG_PATH, OPT_GEOIP_ASN, 0, 0, 0, 0, 0 },
	{ "anonymize-key", 0, CFG_FILE, 0, 0, 0, 0, OPT(en.anon_key_path) },
	{ "tls-keylog", 0, CFG_FILE, 0, 0, 0, 0, OPT(tls_keylog_path) },
	{ "ndpi", 0, CFG_FLAG, OPT_NDPI, 0, 0, 0, 0, 0 },
	{ "no-ndpi", 0, CFG_FLAG, OPT_NO_NDPI, 0, 0, 0, 0, 0 },
	{ "ndpi-packets", 0, CFG_NUMBER, 0, 1, FP_NDPI_PACKETS_MAX, 0,
	    OPT(en.ndpi.max_packets) },
	{ "kafka-brokers", 0, CFG_STRING, 0, 0, 0, 0, OPT(kafka.brokers) },
	{ "kafka-topic", 0, CFG_STRING, 0, 0, 0, 0, OPT(kafka.topic) },
	{ "kafka-conf", 0, CFG_KV, OPT_KAFKA_CONF, 0, 0, 0, 0, 0 },
	{ "kafka-flush-timeout", 0, CFG_NUMBER, OPT_KAFKA_FLUSH_TIMEOUT, 0,
	    3600, 0, 0, 0 },
	{ "sensor-id", 0, CFG_STRING, 0, 0, 0, 0, OPT(kafka.sensor_id) },
	{ "spool-dir", 0, CFG_PATH, 0, 0, 0, 0, OPT(kafka.spool_dir) },
	{ "spool-max-bytes", 0, CFG_NUMBER, 0, 4096, UINT64_MAX / 2, 0,
	    OPT(kafka.spool_max_bytes) },
	{ "spool-mode", 0, CFG_STRING, OPT_SPOOL_MODE, 0, 0, 0, 0, 0 },
	{ "rules", 0, CFG_PATH, 0, 0, 0, 0, OPT(rules_dir) },
	{ "no-rules", 0, CFG_FLAG, 0, 0, 0, 0, OPT(no_rules) },
	{ "client-window", 0, CFG_NUMBER, OPT_CLIENT_WINDOW, 0, 86400 * 7, 0,
	    0, 0 },
	{ "model-dir", 0, CFG_PATH, 0, 0, 0, 0, OPT(mc.dir) },
	{ "model", 0, CFG_STRING, 0, 0, 0, 0, OPT(mc.version[MODEL_PRIMARY]) },
	{ "no-model", 0, CFG_FLAG, 0, 0, 0, 0, OPT(no_model) },
	{ "model-candidate", 0, CFG_STRING, 0, 0, 0, 0,
	    OPT(mc.version[MODEL_CANDIDATE]) },
	{ "model-candidate-share", 0, CFG_NUMBER, 0, 0, 100, 0,
	    OPT(mc.candidate_pct) },
	{ "model-shadow", 0, CFG_STRING, 0, 0, 0, 0,
	    OPT(mc.version[MODEL_SHADOW]) },
	{ "metrics", 0, CFG_STRING, 0, 0, 0, 0, OPT(metrics_addr) },
	{ "metrics-linger", 0, CFG_NUMBER, 0, 0, 86400, 0,
	    OPT(metrics_linger_s) },
	{ "no-watch", 0, CFG_FLAG, 0, 0, 0, 0, OPT(no_watch) },
	{ "verbose", 'v', CFG_COUNT, 0, 0, 3, 0, OPT(verbose) },
	{ "config", 0, CFG_FILE, 0, 0, 0, CFG_F_CLI_ONLY, 0, 0 },
	{ "check-config", 0, CFG_FLAG, 0, 0, 0, CFG_F_CLI_ONLY, 0, 0 },
	{ "version", 'V', CFG_FLAG, 'V', 0, 0, CFG_F_CLI_ONLY | CFG_F_NOW, 0,
	    0 },
	{ "help", 'h', CFG_FLAG, 'h', 0, 0, CFG_F_CLI_ONLY | CFG_F_NOW, 0, 0 },
};
#undef OPT


static const char	*from_file(const struct options *o, const char *name);

/* from_file() of the first of the options names[] given in the config
 * file, "" when none was: a check across options names the key. */
static const char *
from_file_any(const struct options *o, const char *const *names)
{
	const char *p = "";

	for (; *names != NULL && *p == '\0'; names++)
		p = from_file(o, *names);
	return p;
}

#define FROM_FILE_ANY(o, ...) \
	from_file_any((o), (const char *const[]){ __VA_ARGS__, NULL })

/* The Kafka options hang together; defaults for the ones not given. */
static void
check_kafka_args(struct options *o)
{
	struct kafka_config *k = &o->kafka;

	if (k->brokers == NULL && (k->topic != NULL || k->n_conf > 0 ||
	    k->spool_dir != NULL || k->sensor_id != NULL))
		fatalx(EXIT_USAGE, "%s--kafka-topic, --kafka-conf, --sensor-id "
		    "and --spool-dir need --kafka-brokers", FROM_FILE_ANY(o,
		    "kafka-topic", "kafka-conf", "sensor-id", "spool-dir"));
	if (k->brokers != NULL && k->topic == NULL)
		fatalx(EXIT_USAGE, "%s--kafka-brokers needs --kafka-topic",
		    from_file(o, "kafka-brokers"));
	if (k->brokers != NULL && !output_kafka_available())
		fatalx(EXIT_USAGE, "%s--kafka-brokers: this fpsensor was built "
		    "without librdkafka (see ./configure --with-rdkafka)",
		    from_file(o, "kafka-brokers"));
	if (k->flush_timeout_ms == 0)
		k->flush_timeout_ms = KAFKA_DEFAULT_FLUSH_MS;
}

static void
usage_err(void)
{
	usage(stderr);
}

/* One value of the command line or the file, checked by the table, for
 * the options that are more than a field. */
static void
apply_option(void *arg, const struct cfg_value *v)
{
	struct options *o = arg;
	char err[512];

	switch (v->opt->id) {
	case OPT_TCP_TIMEOUT: o->pc.flow.tcp_idle_us = v->num * 1000000; break;
	case OPT_UDP_TIMEOUT: o->pc.flow.udp_idle_us = v->num * 1000000; break;
	case OPT_ANALYZERS: o->pc.analyzer_mask = parse_analyzers(v); break;
	case OPT_GEOIP_CITY:
		o->en.geoip.path[GEOIP_CITY] = v->str;
		o->en.geoip.absent_ok[GEOIP_CITY] = true;
		break;
	case OPT_GEOIP_ASN:
		o->en.geoip.path[GEOIP_ASN] = v->str;
		o->en.geoip.absent_ok[GEOIP_ASN] = true;
		break;
	case OPT_NDPI: o->ndpi = 1; break;
	case OPT_NO_NDPI: o->ndpi = 0; break;
	case OPT_KAFKA_CONF:
		if (kafka_config_add(&o->kafka, v->str, err, sizeof(err)) != 0)
			cfg_die(v, "%s", err);
		break;
	case OPT_KAFKA_FLUSH_TIMEOUT:
		o->kafka.flush_timeout_ms = (uint32_t)v->num * 1000;
		break;
	case OPT_SPOOL_MODE:
		if (kafka_spool_mode_parse(v->str, &o->kafka.spool_mode) != 0)
			cfg_die(v, "'%s': expected wal or overflow", v->str);
		break;
	case OPT_CLIENT_WINDOW:
		o->pc.client_window_us = v->num * 1000000;
		o->pc.max_clients = v->num ? DEFAULT_MAX_CLIENTS : 0;
		break;
	case OPT_CAPTURE_METHOD:
		if (capture_method_parse(v->str, &o->live.cap.method) != 0)
			cfg_die(v, "'%s': auto, afpacket or pcap", v->str);
		break;
	case OPT_CPU_PIN:
		if (live_parse_cpus(&o->live, v->str, err, sizeof(err)) != 0)
			cfg_die(v, "%s", err);
		break;
	case 'V': version(); exit(0);
	case 'h': usage(stdout); exit(0);
	}
}

static void
set_defaults(struct options *o)
{
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
	o->live.cap.n_workers = 1;
	o->live.cap.ring_mb = LIVE_DEFAULT_RING_MB;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	set_defaults(o);
	cfg_init(&o->cfg, "fpsensor", sensor_opts,
	    sizeof(sensor_opts) / sizeof(sensor_opts[0]));
	cfg_parse_argv(&o->cfg, argc, argv, apply_option, o, usage_err);
	cfg_apply(&o->cfg, apply_option, o);
	o->check_only = o->cfg.check_only;
	if (!o->check_only &&
	    (o->read_path == NULL) == (o->live.cap.iface == NULL)) {
		fprintf(stderr, "fpsensor: %s%s\n", o->read_path == NULL ?
		    "" : FROM_FILE_ANY(o, "interface", "read"),
		    o->read_path == NULL ?
		    "nothing to read: give -r FILE or -i IFACE" :
		    "-r and -i exclude each other");
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (o->live.cap.method == CAPTURE_METHOD_PCAP &&
	    o->live.cap.n_workers > 1)
		fatalx(EXIT_USAGE, "%s--capture-method pcap reads with one "
		    "worker: --workers 1, or afpacket", FROM_FILE_ANY(o,
		    "capture-method", "workers"));
	o->live.cap.bpf = o->bpf;
	o->live.cap.fanout_group = (uint16_t)getpid();
	log_set_level(o->verbose >= 2 ? LOG_LEVEL_DEBUG : o->verbose ?
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

/* Where option name was set, as a message prefix (lib/config.h). */
static const char *
from_file(const struct options *o, const char *name)
{
	return cfg_prefix(&o->cfg, name);
}

/* The location of the kafka-conf setting err names, as from_file(). */
static const char *
kafka_where(const struct options *o, const char *err)
{
	return cfg_prefix_quoted(&o->cfg, "kafka-conf", err);
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
	if ((db = p0f_db_load(path, err, sizeof(err))) == NULL ||
	    p0f_http_load(http, path, err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "%sp0f database %s", from_file(o,
		    "p0f-db"), err);
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
		fatalx(EXIT_USAGE, "%srules: %s", from_file(o, "rules"), err);
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
static const char *
model_key(const struct options *o, const char *err)
{
	static const char *const keys[MODEL_N_ROLES] = { "model",
	    "model-candidate", "model-shadow" };
	const char *const *v = o->mc.version;
	char path[1024];

	/* The version the message names: the candidate's or the shadow's
	 * when it is not the primary's too. */
	for (int r = MODEL_CANDIDATE; r < MODEL_N_ROLES; r++) {
		if (v[r] == NULL || (v[MODEL_PRIMARY] != NULL &&
		    strcmp(v[r], v[MODEL_PRIMARY]) == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->mc.dir, v[r]);
		if (strstr(err, path) != NULL)
			return keys[r];
	}
	return v[MODEL_PRIMARY] != NULL ? "model" : "model-dir";
}

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
		fatalx(EXIT_USAGE, "%s--model-candidate-share needs "
		    "--model-candidate", from_file(o,
		    "model-candidate-share"));
	for (size_t i = 0; o->mc.dir == NULL &&
	    i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (access(defaults[i], R_OK | X_OK) == 0)
			o->mc.dir = defaults[i];
	if (o->mc.dir == NULL) {
		if (asked)
			fatalx(EXIT_USAGE, "%s--model: no model directory "
			    "(give --model-dir)", FROM_FILE_ANY(o, "model",
			    "model-candidate", "model-shadow"));
		log_warnx("no model directory at %s: verdicts from rules "
		    "alone", defaults[0]);
		return NULL;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL)
		fatal(EXIT_USAGE, "models");
	if (model_set_load(ms, &o->mc, mc, err, sizeof(err)) != 0) {
		free(ms);
		if (asked)
			fatalx(EXIT_USAGE, "%smodel: %s", from_file(o,
			    model_key(o, err)), err);
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
	/* Reload counters: atomics, the metrics thread reads them. */
	_Atomic uint64_t		 n_reloads;	/* SIGHUPs */
	_Atomic uint64_t		 n_failed;	/* databases kept */
	_Atomic uint64_t		 n_ok;		/* loaded */
	struct metrics_feed		*feed;
	const char			*rules_dir;	/* NULL: no rules */
	struct rules			*rules;		/* in use, owned */
	_Atomic uint64_t		 n_rules_reloads;
	_Atomic uint64_t		 n_rules_failed;
	struct metrics_rules		 rules_info;	/* for the metrics */
	struct live			*live;		/* live: workers to wait
							 * for before a free */
	const struct model_set_config	*mc;		/* NULL: no models */
	struct model_set		*models;	/* in use, owned */
	struct model_counters		*model_counters;
	/* The models' reloads for the metrics, and how long the last
	 * reload of each kind took (reload_all()). */
	_Atomic uint64_t		 n_model_reloads, n_model_failed;
	_Atomic uint64_t		 reload_ns[METRICS_N_RELOAD];
	int				 in_fd;	/* a pipe read: flush
						 * when it has no more */
};

/* The reload counters of r, for the metrics endpoint. */
static struct metrics_reloads
replay_reloads(struct replay *r)
{
	return (struct metrics_reloads){ .geoip_ok = &r->n_ok,
	    .geoip_failed = &r->n_failed, .rules = &r->n_rules_reloads,
	    .rules_failed = &r->n_rules_failed,
	    .models = &r->n_model_reloads,
	    .models_failed = &r->n_model_failed,
	    .duration_ns = r->reload_ns, .rules_info = &r->rules_info };
}

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
	if (r->live != NULL) {
		if (live_set_models(r->live, r->mc, &r->rules_info, err,
		    sizeof(err)) != 0) {
			mc->reloads_failed++;
			log_warnx("reload: model: %s; keeping the previous "
			    "model", err);
			return;
		}
		log_info("reloaded model %s", r->mc->dir);
		return;
	}
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
	metrics_models_set(&r->rules_info, n);
	model_set_free(r->models);
	free(r->models);
	r->models = n;
	log_info("reloaded model %s", model_set_version(n, MODEL_PRIMARY));
}

/*
 * SIGHUP: load the rules directory again beside the rules in use; only a
 * whole good set replaces them (one pointer), a bad file keeps the old set
 * and its FILE:LINE:COL is logged.  A replay reads the rules between
 * packets, so the old set is freed at once; live workers take the new set
 * between polls, and the old one is freed once all of them have.
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
	if (r->live != NULL)
		live_set_rules(r->live, n);
	else
		r->p->verdict.rules = n;
	rules_free(r->rules);
	r->rules = n;
	metrics_rules_set(&r->rules_info, n);
	log_info("reloaded rules %s", r->rules_dir);
}

/*
 * SIGHUP: reopen every GeoIP database that is in use, from the same path.
 * Each one is opened and checked whole before it replaces the old one; a
 * database that fails keeps the last good one and the reason is logged.
 * Records written from then on use the new databases (the per-worker
 * lookup cache drops entries of an older generation).  In live capture the
 * old database is freed once every worker has passed a quiescent point.
 */
static void
reload_geoip(struct replay *r)
{
	static const char *const kind[GEOIP_N_KIND] = { "city", "ASN" };
	struct geoip_db *old[GEOIP_N_KIND] = { NULL };
	bool is_swapped = false;
	char err[512];

	r->n_reloads++;
	for (int k = 0; k < GEOIP_N_KIND; k++) {
		const char *path = r->en->geoip.path[k];

		if (path == NULL)
			continue;
		struct geoip_db *db = geoip_db_open(path, k, err, sizeof(err));

		if (db != NULL) {
			old[k] = geoip_swap(&r->es->geoip, k, db);
			is_swapped = true;
			r->n_ok++;
			log_info("reloaded %s database %s", kind[k], path);
		} else {
			r->n_failed++;
			log_warnx("reload: %s; keeping the previous %s database",
			    err, kind[k]);
		}
	}
	/* One grace period for both: no worker holds the old ones after. */
	if (is_swapped && r->live != NULL)
		live_grace(r->live);
	for (int k = 0; k < GEOIP_N_KIND; k++)
		geoip_db_free(old[k]);
}

/* Reloads tried and failed so far of one kind, from the counters of
 * reload_geoip(), reload_rules() and reload_models(). */
static void
reload_tally(const struct replay *r, enum metrics_reload_what what,
    uint64_t *tried, uint64_t *failed)
{
	const struct model_counters *mc = r->model_counters;

	switch (what) {
	case METRICS_RELOAD_GEOIP:
		*failed = r->n_failed;
		*tried = r->n_ok + *failed;
		break;
	case METRICS_RELOAD_RULES:
		*tried = r->n_rules_reloads;
		*failed = r->n_rules_failed;
		break;
	default:
		*tried = mc != NULL ? mc->reloads : 0;
		*failed = mc != NULL ? mc->reloads_failed : 0;
		break;
	}
}

/* fn(r), timed on the monotonic clock: one log line with the result and
 * the duration, the duration kept for the metrics and --stats; nothing
 * when fn had nothing to reload. */
static void
reload_timed(struct replay *r, enum metrics_reload_what what,
    void (*fn)(struct replay *))
{
	struct timespec t0, t1;
	uint64_t tried0, failed0, tried, failed, ns;

	reload_tally(r, what, &tried0, &failed0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fn(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	reload_tally(r, what, &tried, &failed);
	if (tried == tried0)
		return;
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 +
	    (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	atomic_store(&r->reload_ns[what], ns ? ns : 1);
	if (what == METRICS_RELOAD_MODELS) {
		atomic_store(&r->n_model_reloads, tried);
		atomic_store(&r->n_model_failed, failed);
	}
	log_info("reload what=%s %s ms=%.3f", metrics_reload_names[what],
	    failed == failed0 ? "ok" : "failed", (double)ns / 1e6);
}

/*
 * A reload request (SIGHUP, a file changed): the GeoIP databases, the
 * rules and the models, one after the other, on the thread that reads
 * the packets (replay) or the live main thread.  The request is taken
 * before the loads start: one that comes meanwhile (a burst of SIGHUPs, a
 * file changed during the reload) makes one more reload after this one.
 * Requests coalesce, none is lost, no two reloads ever run at once.
 */
static void
reload_all(struct replay *r)
{
	atomic_store(&reload_requested, 0);
	reload_timed(r, METRICS_RELOAD_GEOIP, reload_geoip);
	reload_timed(r, METRICS_RELOAD_RULES, reload_rules);
	reload_timed(r, METRICS_RELOAD_MODELS, reload_models);
}

/* The reload counters and durations of --stats. */
static void
reload_stats_print(FILE *fp, struct replay *r)
{
	fprintf(fp, "geoip_reloads=%" PRIu64 "\n"
	    "geoip_reloads_failed=%" PRIu64 "\n"
	    "rules_reloads=%" PRIu64 "\n"
	    "rules_reloads_failed=%" PRIu64 "\n", r->n_reloads,
	    r->n_failed, r->n_rules_reloads, r->n_rules_failed);
	fprintf(fp, "geoip_reload_us=%" PRIu64 "\n"
	    "rules_reload_us=%" PRIu64 "\n"
	    "model_reload_us=%" PRIu64 "\n",
	    r->reload_ns[METRICS_RELOAD_GEOIP] / 1000,
	    r->reload_ns[METRICS_RELOAD_RULES] / 1000,
	    r->reload_ns[METRICS_RELOAD_MODELS] / 1000);
}

/* The certificate arena's counters (lib/crypto_arena.h), the process's:
 * certificates decoded in it, and how often it fell back to malloc. */
static void
arena_stats_print(FILE *fp)
{
	struct crypto_arena_stats st;

	crypto_arena_stats(&st);
	fprintf(fp, "tls_cert_arena_decodes=%" PRIu64 "\n"
	    "tls_cert_arena_spilled=%" PRIu64 "\n"
	    "tls_cert_arena_set_aside=%" PRIu64 "\n"
	    "tls_cert_arena_error_texts_moved=%" PRIu64 "\n", st.n_scopes,
	    st.n_spilled, st.n_set_aside, st.n_texts_moved);
}

static void
on_file_change(void *arg, const char *path)
{
	(void)arg;
	(void)path;
	atomic_store_explicit(&reload_requested, 1, memory_order_relaxed);
}

/* Reload on file change (sensor/watch.h), unless --no-watch: the files
 * of what is in use.  NULL when nothing is watched (logged). */
static struct watch *
start_watch(const struct options *o, const struct replay *r)
{
	struct watch_config wc = { .rules_dir = r->rules_dir,
	    .model_dir = r->mc != NULL ? o->mc.dir : NULL };
	struct watch *w;
	char err[1024];
	bool any = wc.rules_dir != NULL || wc.model_dir != NULL;

	for (int k = 0; k < GEOIP_N_KIND; k++)
		if ((wc.files[k] = o->en.geoip.path[k]) != NULL)
			any = true;
	if (o->no_watch || !any)
		return NULL;
	if (!watch_is_available()) {
		log_info("watch: no inotify in this build: reload on SIGHUP "
		    "only");
		return NULL;
	}
	if ((w = watch_start(&wc, on_file_change, NULL, err,
	    sizeof(err))) == NULL)
		log_warnx("watch: %s: reload on SIGHUP only", err);
	else
		log_info("watch: reload when the rules, GeoIP or model files "
		    "change");
	return w;
}

/* The enrichment settings, loaded; an error names the key of the file. */
static void
load_enrich(const struct options *o, struct enrich_set *es)
{
	static const char *const keys[] = { "anonymize-key", "geoip-city",
	    "geoip-asn" };
	const char *paths[] = { o->en.anon_key_path,
	    o->en.geoip.path[GEOIP_CITY], o->en.geoip.path[GEOIP_ASN] };
	const char *where = "";
	char err[1024];

	if (enrich_set_load(es, &o->en, err, sizeof(err)) == 0)
		return;
	for (size_t i = 0; i < 3; i++)
		if (paths[i] != NULL && strstr(err, paths[i]) != NULL)
			where = from_file(o, keys[i]);
	fatalx(EXIT_USAGE, "%s%s", where, err);
}

/*
 * --check-config: load everything the settings name (p0f database, GeoIP
 * databases, which must exist here, the key, the capture, the Kafka
 * settings and spool, the metrics address) as a run would, then release it.
 * Exits 0 with "config ok", or 64 with the first error.
 */
static _Noreturn void
check_config(struct options *o)
{
	struct p0f_http_db http;
	struct p0f_db *db;
	struct enrich_set es;
	struct capture cap;
	struct outputs outs;
	char err[1024];

	db = load_p0f(o, &http);
	rules_free(load_rules(o));
	{
		struct model_counters mc0;
		struct model_set *ms;

		memset(&mc0, 0, sizeof(mc0));
		if ((ms = load_models(o, &mc0)) != NULL) {
			model_set_free(ms);
			free(ms);
		}
	}
	for (int k = 0; k < GEOIP_N_KIND; k++)
		o->en.geoip.absent_ok[k] = false;
	load_enrich(o, &es);
	if (o->read_path != NULL && capture_open_offline(&cap, o->read_path,
	    o->bpf) != 0)
		fatalx(EXIT_USAGE, "%s%s", from_file(o, "read"), cap.err);
	if (o->read_path != NULL)
		capture_close(&cap);
	if (o->kafka.brokers != NULL) {
		memset(&outs, 0, sizeof(outs));
		o->kafka.flush_timeout_ms = 0;
		if (output_kafka_open(&outs.kafka, &o->kafka, &outs.ks, err,
		    sizeof(err)) != 0)
			fatalx(EXIT_USAGE, "%s%s", strstr(err, "spool") ?
			    from_file(o, "spool-dir") : kafka_where(o, err),
			    err);
		(void)output_close(&outs.kafka);
	}
	if (o->metrics_addr != NULL && metrics_check_addr(o->metrics_addr,
	    err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "%s%s", from_file(o, "metrics"), err);
	p0f_db_free(db);
	p0f_http_db_free(&http);
	enrich_set_free(&es);
	cfg_free(&o->cfg);
	printf("config ok\n");
	exit(0);
}

static void
on_decoded(void *arg, struct packet *pkt, enum decode_status st,
    const struct pipeline_pre *pre)
{
	struct replay *r = arg;

	metrics_feed_enter(r->feed);
	if (atomic_load_explicit(&reload_requested, memory_order_relaxed)) {
		pipeline_flush(r->p);	/* judged by the sets in use */
		reload_all(r);
	}
	pipeline_decoded_pre(r->p, pkt, st, pre);
	if (r->in_fd >= 0 && pipeline_holds(r->p) &&
	    poll(&(struct pollfd){ .fd = r->in_fd, .events = POLLIN }, 1,
	    0) == 0)
		pipeline_flush(r->p);	/* the end of what was written */
	metrics_feed_leave(r->feed);
}

/* stage_run()'s prep: on the reader's thread when there is one. */
static void
prepare(const void *p, const struct packet *pkt, struct pipeline_pre *pre)
{
	pipeline_prepare(p, pkt, pre);
}

/* Switch user (--user) and give up every capability: the sockets are
 * open and nothing else needs privileges. */
static void
drop_privileges(const struct options *o)
{
	char err[512];
	uid_t uid;
	gid_t gid;

	privdrop_bounding();
	if (o->user != NULL && (privdrop_lookup(o->user, &uid, &gid, err,
	    sizeof(err)) != 0 || privdrop_user(uid, gid, err,
	    sizeof(err)) != 0))
		fatalx(EXIT_USAGE, "%s%s", from_file(o, "user"), err);
	if (privdrop_caps(err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "%s", err);
	if (o->user != NULL)
		log_info("running as %s (uid %u): no capabilities left",
		    o->user, (unsigned)getuid());
}

/* --stats of the workers' models: their counters summed, the reloads
 * (main's), the versions of worker 0's set. */
static void
live_models_print(FILE *fp, struct live *l, const struct model_counters *mc)
{
	struct model_counters t;

	live_model_counters(l, &t);
	t.reloads = mc->reloads;
	t.reloads_failed = mc->reloads_failed;
	for (int r = 0; r < MODEL_N_ROLES; r++)
		if (model_set_version(l->w[0].models, (enum model_role)r))
			fprintf(fp, "model_%s=%s\n", r == MODEL_PRIMARY ?
			    "primary" : r == MODEL_CANDIDATE ? "candidate" :
			    "shadow", model_set_version(l->w[0].models,
			    (enum model_role)r));
	model_counters_print(&t, NULL, fp);
}

/* --metrics-linger: the input is done; keep the figures readable. */
static void
linger(const struct options *o, struct metrics_http *m)
{
	struct timespec ts = { 0, 100 * 1000000 };

	if (m == NULL || o->metrics_linger_s == 0)
		return;
	log_info("metrics: input ended; serving the final figures for %u s",
	    o->metrics_linger_s);
	for (uint32_t i = 0; i < o->metrics_linger_s * 10 && !stop_requested;
	    i++)
		nanosleep(&ts, NULL);
}

/* Live capture: every worker's socket opened, outputs opened, privileges
 * dropped, then capture until SIGINT or SIGTERM, SIGHUP reloading the
 * GeoIP databases meanwhile.  With replay (an opened capture file: -r
 * with --workers), the same workers read it through a reader thread
 * (sensor/live.h) and privileges are kept.  Returns the exit status. */
static int
run_live(struct options *o, struct enrich_set *es, struct metrics_http *mh,
    struct capture *replay)
{
	struct timespec nap = { 0, 100000000L };
	struct outputs outs;
	struct output *outp;
	struct live live;
	struct model_counters mc;
	struct replay rp = { .es = es, .en = &o->en, .live = &live,
	    .rules_dir = o->pc.rules != NULL ? o->rules_dir : NULL,
	    .rules = (struct rules *)o->pc.rules, .mc = o->live.models,
	    .model_counters = &mc, .in_fd = -1 };
	struct metrics_reloads rl = replay_reloads(&rp);
	struct metrics_kafka kafka;
	struct watch *watch;
	char err[1024];
	int status = 0;

	memset(&mc, 0, sizeof(mc));
	metrics_rules_init(&rp.rules_info);
	metrics_rules_set(&rp.rules_info, rp.rules);
	metrics_models_set(&rp.rules_info, o->pc.models);

	o->live.replay = replay;
	o->live.replay_stop = &stop_requested;
	if (live_open(&live, &o->live, &o->pc, es, &o->en, NULL, err,
	    sizeof(err)) != 0) {
		log_errx("%s", err);
		rules_free(rp.rules);
		metrics_http_stop(mh);
		metrics_rules_free(&rp.rules_info);
		return strncmp(err, "filter", 6) == 0 ? EXIT_USAGE :
		    EXIT_NOINPUT;
	}
	live.out = outp = open_outputs(o, &outs);
	if (o->pc.models != NULL) {	/* checked, named; workers own theirs */
		model_set_free(o->pc.models);
		free(o->pc.models);
		o->pc.models = NULL;
		o->kafka.model_version = NULL;
	}
	if (replay == NULL)
		drop_privileges(o);
	if (o->kafka.brokers != NULL) {
		metrics_kafka_init(&kafka, &outs.ks);
		live.kafka = &kafka;
	}
	if (metrics_sensor_register(mh, live.feeds, live.n, &rl,
	    live.kafka) != 0)
		fatalx(EXIT_USAGE, "metrics: too many collectors");
	if (live_start(&live, err, sizeof(err)) != 0)
		fatalx(EXIT_NOINPUT, "%s", err);
	if (replay != NULL)
		log_info("replaying %s: %u workers", replay->path, live.n);
	else
		log_info("capturing on %s: %u workers, %s", o->live.cap.iface,
		    live.n, capture_method_name(live.w[0].cap.method));
	watch = start_watch(o, &rp);
	while (!stop_requested && live_running(&live) > 0) {
		/* Ready while every worker captures. */
		metrics_http_set_ready(mh, live_running(&live) == live.n);
		if (atomic_load_explicit(&reload_requested,
		    memory_order_relaxed))
			reload_all(&rp);
		nanosleep(&nap, NULL);
	}
	metrics_http_set_ready(mh, false);
	watch_stop(watch);
	if (live_join(&live) > 0)
		status = EXIT_DAMAGED;
	if (replay != NULL && live.replay_res == CAPTURE_DAMAGED) {
		log_errx("%s", replay->err);
		status = replay->n_read ? EXIT_DAMAGED : EXIT_NOINPUT;
	}
	if (output_close(outp) != 0 || live.n_write_errors > 0) {
		log_errx("writing records to %s failed", outp->name);
		status = EXIT_OUTPUT;
	}
	if (live.kafka != NULL)
		metrics_kafka_publish(live.kafka);	/* after the flush */
	if (o->kafka.brokers != NULL && status != EXIT_OUTPUT)
		status = kafka_exit_status(&o->kafka, &outs.ks, status);
	if (o->stats) {
		live_stats_print(stderr, &live);
		reload_stats_print(stderr, &rp);
		arena_stats_print(stderr);
		if (rp.mc != NULL)
			live_models_print(stderr, &live, &mc);
		if (o->kafka.brokers != NULL)
			kafka_stats_print(stderr, &outs.ks);
	}
	if (replay != NULL)
		linger(o, mh);
	metrics_http_stop(mh);		/* it reads the workers' feeds */
	if (live.kafka != NULL)
		metrics_kafka_free(live.kafka);
	live_close(&live);
	rules_free(rp.rules);
	metrics_rules_free(&rp.rules_info);
	return status;
}

/* --metrics: the endpoint, up (/healthz 200, /readyz 503) while the
 * databases load and the capture opens; NULL when not asked for. */
static struct metrics_http *
start_metrics(const struct options *o)
{
	struct metrics_http *m;
	char err[512];

	if (o->metrics_addr == NULL)
		return NULL;
	if ((m = metrics_http_start(o->metrics_addr, err, sizeof(err))) ==
	    NULL)
		fatalx(EXIT_USAGE, "%s--metrics %s", from_file(o, "metrics"),
		    err);
	log_info("metrics: serving http://%s/metrics (port %u)",
	    o->metrics_addr, metrics_http_port(m));
	return m;
}

/* TLS secrets: --tls-keylog and the pcapng input's Decryption Secrets
 * Blocks.  NULL when there are none. */
static const struct tls_keylog *
load_keylog(const struct options *o, struct tls_keylog *kl)
{
	char err[512];
	long rc = 0;

	tls_keylog_init(kl);
	if (o->tls_keylog_path != NULL && (rc = tls_keylog_load_file(kl,
	    o->tls_keylog_path, err, sizeof(err))) < 0)
		fatalx(EXIT_USAGE, "%s%s", from_file(o, "tls-keylog"), err);
	/* A damaged pcapng: the secrets before the damage are kept and
	 * the replay says what it can read. */
	if (o->read_path != NULL && pcapng_dsb_scan_path(o->read_path, kl,
	    err, sizeof(err)) < 0)
		log_errx("secrets blocks: %s", err);
	if (kl->n_refused > 0)
		log_warnx("tls key log: %llu secrets loaded, %llu lines "
		    "refused", (unsigned long long)kl->n_keys,
		    (unsigned long long)kl->n_refused);
	return o->tls_keylog_path != NULL || kl->n > 0 ? kl : NULL;
}

/* What main() loaded for every run, freed. */
static void
free_loaded(struct options *o, struct p0f_db *db, struct p0f_http_db *http,
    struct enrich_set *es, struct tls_keylog *kl)
{
	p0f_db_free(db);
	p0f_http_db_free(http);
	enrich_set_free(es);
	tls_keylog_free(kl);
	cfg_free(&o->cfg);
}

/* CPUs this process may run on: the populating thread only pays off when
 * it gets a core of its own. */
static int
cpus_allowed(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return CPU_COUNT(&set);
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
	struct stage_report stages;
	struct sigaction sa;
	struct replay rp;
	struct metrics_feed feed;
	struct metrics_reloads rl;
	struct metrics_http *mh;
	struct rules *rules;
	struct model_set *models;
	struct model_counters mcount;
	struct watch *watch;
	struct tls_keylog kl;
	int status = 0;

	/* Before anything uses libcrypto: certificates are decoded in a
	 * per-thread arena, without malloc. */
	(void)crypto_arena_install();
	log_init("fpsensor", LOG_LEVEL_WARN);
	parse_args(argc, argv, &o);
	if (o.check_only)
		check_config(&o);
	/* Before the databases and models load (that takes a while): a
	 * SIGHUP meanwhile is acted on at the first packet. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART;	/* a reload must not cut a read short */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	mh = start_metrics(&o);
	db = load_p0f(&o, &p0f_http);
	o.pc.p0f = db;
	o.pc.p0f_http = p0f_http.n_sigs > 0 ? &p0f_http : NULL;
	load_enrich(&o, &es);
	o.pc.ndpi = es.ndpi;
	rules = load_rules(&o);
	o.pc.rules = rules;
	memset(&mcount, 0, sizeof(mcount));
	models = load_models(&o, &mcount);
	o.pc.models = models;
	o.kafka.model_version = model_set_version(models, MODEL_PRIMARY);
	o.pc.enrich = &es.enrich;
	o.pc.keylog = load_keylog(&o, &kl);

	/* Live: each worker loads its own set (sensor/live.h). */
	o.live.models = models != NULL ? &o.mc : NULL;
	if (o.read_path != NULL && capture_open_offline(&cap, o.read_path,
	    o.bpf) != 0) {
		log_errx("%s", cap.err);
		rules_free(rules);
		if (models != NULL)
			model_set_free(models);
		free(models);
		metrics_http_stop(mh);
		free_loaded(&o, db, &p0f_http, &es, &kl);
		return strncmp(cap.err, "filter", 6) == 0 ? EXIT_USAGE :
		    EXIT_NOINPUT;
	}
	if (o.live.cap.iface != NULL || o.live.cap.n_workers > 1) {
		status = run_live(&o, &es, mh, o.read_path != NULL ? &cap :
		    NULL);
		if (o.read_path != NULL)
			capture_close(&cap);
		if (o.pc.models != NULL)	/* run_live() may free it */
			model_set_free(o.pc.models);
		free(o.pc.models);
		free_loaded(&o, db, &p0f_http, &es, &kl);
		return status;
	}
	outp = open_outputs(&o, &outs);
	if (pipeline_init(&p, &o.pc, outp) != 0)
		fatal(EXIT_USAGE, "cannot allocate %u flows", o.pc.flow.max_flows);

	rp = (struct replay){ .p = &p, .es = &es, .en = &o.en, .feed = &feed,
	    .rules_dir = rules != NULL ? o.rules_dir : NULL, .rules = rules,
	    .mc = models != NULL ? &o.mc : NULL, .models = models,
	    .model_counters = &mcount, .in_fd = cap.fd < 0 &&
	    cap.pcap != NULL && pcap_file(cap.pcap) != NULL ?
	    fileno(pcap_file(cap.pcap)) : -1 };
	rl = replay_reloads(&rp);
	metrics_rules_init(&rp.rules_info);
	metrics_rules_set(&rp.rules_info, rules);
	metrics_models_set(&rp.rules_info, models);
	metrics_feed_init(&feed, 0, &(struct metrics_source){ .p = &p,
	    .ks = o.kafka.brokers != NULL ? &outs.ks : NULL });
	if (metrics_sensor_register(mh, &feed, 1, &rl, NULL) != 0)
		fatalx(EXIT_USAGE, "metrics: too many collectors");
	metrics_http_set_ready(mh, true);
	watch = start_watch(&o, &rp);
	/* With a second CPU, a mapped file is read and decoded on a thread
	 * of its own (sensor/stage.h). */
	(void)capture_map(&cap);
	res = stage_run(&cap, &(struct stage_ops){ .prep = prepare,
	    .prep_arg = &p, .fn = on_decoded, .arg = &rp },
	    cpus_allowed() > 1, &stop_requested, &stages);
	watch_stop(watch);
	metrics_http_set_ready(mh, false);
	if (res == CAPTURE_DAMAGED) {
		log_errx("%s", cap.err);
		status = cap.n_read ? EXIT_DAMAGED : EXIT_NOINPUT;
	}
	metrics_feed_enter(&feed);
	pipeline_finish(&p);
	if (output_close(outp) != 0 || p.stats.records_failed) {
		log_errx("writing records to %s failed", outp->name);
		status = EXIT_OUTPUT;
	}
	metrics_feed_leave(&feed);
	metrics_feed_publish(&feed);
	linger(&o, mh);
	metrics_http_stop(mh);
	metrics_feed_free(&feed);
	if (o.kafka.brokers != NULL && status != EXIT_OUTPUT)
		status = kafka_exit_status(&o.kafka, &outs.ks, status);
	if (o.stats)
		stats_print(stderr, &p);
	if (o.stats) {
		stage_report_print(stderr, &stages, !o.deterministic);
		reload_stats_print(stderr, &rp);
		arena_stats_print(stderr);
	}
	if (o.stats)
		model_counters_print(&mcount, rp.models, stderr);
	if (o.stats && o.kafka.brokers != NULL)
		kafka_stats_print(stderr, &outs.ks);
	pipeline_free(&p);
	rules_free(rp.rules);
	if (rp.models != NULL)
		model_set_free(rp.models);
	free(rp.models);
	metrics_rules_free(&rp.rules_info);
	capture_close(&cap);
	free_loaded(&o, db, &p0f_http, &es, &kl);
	return status;
}
