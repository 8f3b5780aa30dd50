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

#include "analyzers/p0f_db.h"
#include "log.h"
#include "sensor/capture.h"
#include "sensor/output.h"
#include "sensor/pipeline.h"

/* Exit codes, documented in fpsensor(8). */
#define EXIT_DAMAGED	1	/* input damaged partway; records written */
#define EXIT_NOINPUT	2	/* nothing could be read */
#define EXIT_OUTPUT	3	/* records could not be written */
#define EXIT_USAGE	64	/* bad command line or configuration */

#define DEFAULT_P0F_DB	"/etc/p0f/p0f.fp"

static volatile sig_atomic_t stop_requested;

struct options {
	const char	*read_path;
	const char	*out_path;
	const char	*bpf;
	const char	*p0f_path;
	bool		 no_p0f;
	bool		 stats;
	bool		 deterministic;
	struct pipeline_config pc;
};

static void
on_signal(int sig)
{
	(void)sig;
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
"      --deterministic    no wall-clock fields (for golden tests)\n"
"      --stats            print counters to stderr at exit\n"
"  -v, --verbose          more log lines (repeat for debug)\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Exit status: 0 success, 1 input damaged partway (records before the damage\n"
"were written), 2 input could not be read, 3 output failed, 64 usage error.\n"
"See fpsensor(8).\n",
	    DEFAULT_P0F_DB, 65536u, 300u, 60u, 16384u, 4096u);
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

/* Parse a number in [min, max] or exit with a usage error. */
static uint64_t
parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v < min || v > max)
		fatalx(EXIT_USAGE, "--%s: '%s' is not a number from %" PRIu64
		    " to %" PRIu64, opt, s, min, max);
	return v;
}

enum {
	OPT_P0F_DB = 256, OPT_NO_P0F, OPT_MAX_FLOWS, OPT_TCP_TIMEOUT,
	OPT_UDP_TIMEOUT, OPT_STREAM_BYTES, OPT_STREAM_BUFFERS,
	OPT_DETERMINISTIC, OPT_STATS,
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
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_args(int argc, char **argv, struct options *o)
{
	int ch, verbose = 0;

	memset(o, 0, sizeof(*o));
	o->pc.flow.max_flows = 65536;
	o->pc.flow.tcp_idle_us = 300ull * 1000000;
	o->pc.flow.udp_idle_us = 60ull * 1000000;
	o->pc.flow.closing_us = 5ull * 1000000;
	o->pc.stream_bytes = 16384;
	o->pc.stream_slots = 4096;
	while ((ch = getopt_long(argc, argv, "r:o:f:vVh", long_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': o->read_path = optarg; break;
		case 'o': o->out_path = optarg; break;
		case 'f': o->bpf = optarg; break;
		case OPT_P0F_DB: o->p0f_path = optarg; break;
		case OPT_NO_P0F: o->no_p0f = true; break;
		case OPT_MAX_FLOWS:
			o->pc.flow.max_flows = (uint32_t)parse_num("max-flows",
			    optarg, 1, 1u << 26);
			break;
		case OPT_TCP_TIMEOUT:
			o->pc.flow.tcp_idle_us = parse_num("tcp-timeout",
			    optarg, 1, 86400) * 1000000;
			break;
		case OPT_UDP_TIMEOUT:
			o->pc.flow.udp_idle_us = parse_num("udp-timeout",
			    optarg, 1, 86400) * 1000000;
			break;
		case OPT_STREAM_BYTES:
			o->pc.stream_bytes = (uint32_t)parse_num(
			    "stream-bytes", optarg, 256, 65536);
			break;
		case OPT_STREAM_BUFFERS:
			o->pc.stream_slots = (uint32_t)parse_num(
			    "stream-buffers", optarg, 0, 1u << 22);
			break;
		case OPT_DETERMINISTIC: o->deterministic = true; break;
		case OPT_STATS: o->stats = true; break;
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
	o->pc.deterministic = o->deterministic;
	o->pc.hash_seed = o->deterministic ? 1 : random_u64();
	o->pc.run_id = o->deterministic ? 0 : random_u64();
}

/* The p0f database: --p0f-db must load; the default is used if present. */
static struct p0f_db *
load_p0f(const struct options *o)
{
	char err[512];
	struct p0f_db *db;
	const char *path = o->p0f_path;

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
	log_info("p0f database %s: %zu SYN and %zu SYN+ACK signatures",
	    path, db->n_tcp[0], db->n_tcp[1]);
	return db;
}

static void
on_packet(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	pipeline_packet(arg, dlt, ts_us, data, caplen, wire_len);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct capture cap;
	struct output out;
	struct pipeline p;
	struct p0f_db *db;
	enum capture_result res;
	struct sigaction sa;
	int status = 0;

	log_init("fpsensor", LOG_LEVEL_WARN);
	parse_args(argc, argv, &o);
	db = load_p0f(&o);
	o.pc.p0f = db;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (capture_open_offline(&cap, o.read_path, o.bpf) != 0) {
		log_errx("%s", cap.err);
		p0f_db_free(db);
		return strncmp(cap.err, "filter", 6) == 0 ? EXIT_USAGE :
		    EXIT_NOINPUT;
	}
	if (output_file_open(&out, o.out_path) != 0)
		fatal(EXIT_OUTPUT, "%s", o.out_path);
	if (pipeline_init(&p, &o.pc, &out) != 0)
		fatal(EXIT_USAGE, "cannot allocate %u flows", o.pc.flow.max_flows);

	res = capture_run(&cap, on_packet, &p, &stop_requested);
	if (res == CAPTURE_DAMAGED) {
		log_errx("%s", cap.err);
		status = cap.n_read ? EXIT_DAMAGED : EXIT_NOINPUT;
	}
	pipeline_finish(&p);
	if (output_close(&out) != 0 || p.stats.records_failed) {
		log_errx("writing records to %s failed", out.name);
		status = EXIT_OUTPUT;
	}
	if (o.stats)
		stats_print(stderr, &p);
	pipeline_free(&p);
	capture_close(&cap);
	p0f_db_free(db);
	return status;
}
