# tests/prom_lib.sh: a real Prometheus server on loopback for the metrics
# tests.  Sourced after tests/lib.sh; the caller kills PROM_PID at exit.

# free_port: a port the kernel says is free on 127.0.0.1.
prom_free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# start_prometheus JOB=HOST:PORT...: scrape each target every second (and
# evaluate the rules of $PROM_RULES when set); sets PROM (its API address)
# and PROM_PID.  Returns 1 when it does not answer.
start_prometheus() {
	local t try port
	{
		echo "global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}"
		[ -n "${PROM_RULES:-}" ] && echo "rule_files: ['$PROM_RULES']"
		echo "scrape_configs:"
		for t in "$@"; do
			echo "  - job_name: ${t%%=*}"
			echo "    static_configs: [{targets: ['${t#*=}']}]"
		done
	} >"$TMP/prometheus.yml"
	for try in 1 2 3; do
		port=$(prom_free_port)
		prometheus --config.file="$TMP/prometheus.yml" \
		    --storage.tsdb.path="$TMP/prom-data" \
		    --web.listen-address="127.0.0.1:$port" --log.level=warn \
		    >"$TMP/prometheus.log" 2>&1 3>&- &
		PROM_PID=$!
		PROM=127.0.0.1:$port
		local n=100
		while [ $n -gt 0 ]; do
			curl -sf --max-time 1 "http://$PROM/-/ready" >/dev/null &&
			    return 0
			kill -0 "$PROM_PID" 2>/dev/null || break
			sleep 0.2
			n=$((n - 1))
		done
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
	done
	cat "$TMP/prometheus.log"
	return 1
}

# prom_query EXPR: the value of the first sample of the instant query, or
# nothing.
prom_query() {
	curl -s --max-time 3 "http://$PROM/api/v1/query" \
	    --data-urlencode "query=$1" | "$PYTHON" -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "")
except Exception:
    print("")'
}

# prom_is EXPR VALUE: the query gives VALUE (for wait loops).
prom_is() { [ "$(prom_query "$1")" = "$2" ]; }

# poll SECONDS CMD...: run CMD every 0.2 s until it succeeds.
poll() {
	local n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# prom_listed SCRAPE...: every family the scrapes serve is in
# deploy/k8s/base/monitoring/metrics.txt (the names alerts and dashboard
# may use) with its type, and its samples carry only the labels listed.
prom_listed() {
	"$PYTHON" - "$top_srcdir/deploy/k8s/base/monitoring/metrics.txt" \
	    "$@" <<'PY'
import re, sys
listed = {}
for line in open(sys.argv[1]):
    if line.strip() and not line.startswith("#"):
        name, typ, labels = line.split()
        listed[name] = (typ, set() if labels == "-" else set(labels.split(",")))
bad, types = [], {}
for path in sys.argv[2:]:
    for line in open(path):
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            types[m.group(1)] = m.group(2)
            if m.group(1) not in listed:
                bad.append(f"{m.group(1)}: not in metrics.txt")
            elif listed[m.group(1)][0] != m.group(2):
                bad.append(f"{m.group(1)}: {m.group(2)}, listed as "
                           f"{listed[m.group(1)][0]}")
            continue
        m = re.match(r"([a-z_][a-z0-9_]*)(\{([^}]*)\})? ", line)
        if not m or m.group(1) not in listed:
            continue
        have = set(re.findall(r'([a-z_][a-z0-9_]*)="', m.group(3) or ""))
        if have != listed[m.group(1)][1]:
            bad.append(f"{m.group(1)}: labels {sorted(have)}, listed "
                       f"{sorted(listed[m.group(1)][1])}")
print("\n".join(sorted(set(bad))) or f"{len(types)} families, all listed")
sys.exit(1 if bad else 0)
PY
}
