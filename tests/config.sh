#!/bin/bash
# --config FILE and --check-config (lib/config.c): every key of the option
# table is accepted and documented; a key in the file gives the same records
# as its flag; a flag overrides the file; each kind of mistake gives its
# exact FILE:LINE:COL message and exit 64; truncated and damaged files never
# crash the loader.
. "$(dirname "$0")/lib.sh"

SRC="$PCAPS/demo.pcap"
MAN="$top_srcdir/man/fpsensor.yaml.5"
EX="$top_srcdir/deploy/config"
FPSINK="$top_builddir/fpsink"

# The keys of a program's table, "name TYPE" per line, from its source.
table() {
	sed -n "/^static const struct cfg_option $2\[\] = {/,/^};/p" \
	    "$top_srcdir/$1" |
	    sed -n 's/^\t{ "\([a-z0-9-]*\)", [^,]*, \(CFG_[A-Z]*\),.*/\1 \2/p' |
	    grep -v -e '^config ' -e '^check-config ' -e '^help ' -e '^version '
}
table sensor/main.c sensor_opts >"$TMP/sensor.keys"
table sink/main.c sink_opts >"$TMP/sink.keys"
check "option table of fpsensor read ($(wc -l <"$TMP/sensor.keys") keys)" \
    test "$(wc -l <"$TMP/sensor.keys")" -ge 29

# A key file for --anonymize-key.
head -c 32 /dev/urandom >"$TMP/key"
# A password file is text: random bytes may begin with a NUL or newline.
printf 'config-test-password\n' >"$TMP/redis.pw"
: >"$TMP/empty.pcap.txt"

# A valid value of each key, for the table-driven check.
value_of() {
	case "$1" in
	read) echo "$SRC" ;;
	output) echo "$TMP/out.jsonl" ;;
	filter) echo "tcp" ;;
	p0f-db) echo "$top_srcdir/tests/fixtures/p0f/test.fp" ;;
	anonymize-key) echo "$TMP/key" ;;
	tls-keylog) echo "$top_srcdir/pcaps/tls_keylog.keys" ;;
	geoip-city|geoip-asn) echo "$TMP/geo/$1.mmdb" ;;
	analyzers) echo "[tcp, tls]" ;;
	kafka-conf) echo "{client.id: ops-test}" ;;
	kafka-brokers) echo "127.0.0.1:1" ;;
	spool-dir) echo "$TMP/spool" ;;
	metrics) echo "127.0.0.1:0" ;;
	pg) echo "host=127.0.0.1 dbname=x" ;;
	redis) echo "127.0.0.1:6379" ;;
	redis-auth-file) echo "$TMP/redis.pw" ;;
	dlq-topic) echo "ops.dlq" ;;
	spool-max-bytes|max-message-bytes) echo 1048576 ;;
	ndpi-packets) echo 8 ;;
	rules) echo "$top_srcdir/rules" ;;
	capture-method) echo auto ;;
	cpu-pin) echo 0 ;;
	workers) echo 2 ;;
	spool-mode) echo wal ;;
	model-dir) echo "$top_srcdir/models" ;;
	model|model-candidate|model-shadow) echo v1 ;;
	model-candidate-share) echo 10 ;;
	*) case "$2" in
	   CFG_FLAG) echo true ;;
	   CFG_COUNT) echo 1 ;;
	   CFG_NUMBER) echo 300 ;;
	   *) echo "ops-$1" ;;
	   esac ;;
	esac
}
mkdir -p "$TMP/geo" "$TMP/spool"
have_geo=0
if perl "$top_srcdir/tests/fixtures/geoip/make_mmdb.pl" "$TMP/geo" \
    >/dev/null 2>&1; then
	cp "$TMP/geo/city.mmdb" "$TMP/geo/geoip-city.mmdb"
	cp "$TMP/geo/asn.mmdb" "$TMP/geo/geoip-asn.mmdb"
	have_geo=1
fi
[ -f "$top_srcdir/tests/fixtures/p0f/test.fp" ] ||
    fail "tests/fixtures/p0f/test.fp missing"

# Table-driven: each key alone (with the keys it needs) passes
# --check-config; each is in the man page and the example file.
every_key() {
	local prog=$1 keys=$2 example=$3 k t extra
	while read -r k t; do
		extra=""
		case "$k" in
		kafka-topic|kafka-conf|sensor-id|spool-dir|spool-max-bytes|\
		kafka-flush-timeout)
			[ "$prog" = "$FPSENSOR" ] &&
			    extra="kafka-brokers: 127.0.0.1:1"$'\n'"kafka-topic: t" ;;
		kafka-brokers) [ "$prog" = "$FPSENSOR" ] &&
			    extra="kafka-topic: t" ;;
		geoip-*) [ $have_geo = 1 ] || continue ;;
		model-candidate-share) extra="model-candidate: v1" ;;
		esac
		[ "$prog" = "$FPSINK" ] && [ "$k" != pg ] &&
		    extra="pg: host=127.0.0.1"$'\n'"kafka-brokers: 127.0.0.1:1"$'\n'"kafka-topic: t"
		[ "$prog" = "$FPSINK" ] && [ "$k" = kafka-brokers ] &&
		    extra="pg: host=127.0.0.1"$'\n'"kafka-topic: t"
		[ "$prog" = "$FPSINK" ] && [ "$k" = kafka-topic ] &&
		    extra="pg: host=127.0.0.1"$'\n'"kafka-brokers: 127.0.0.1:1"
		[ "$prog" = "$FPSINK" ] && [ "$k" = pg ] &&
		    extra="kafka-brokers: 127.0.0.1:1"$'\n'"kafka-topic: t"
		[ "$k" = kafka-topic ] && extra=${extra/kafka-topic: t/}
		printf '%s: %s\n%s\n' "$k" "$(value_of "$k" "$t")" "$extra" \
		    >"$TMP/one.yaml"
		if "$prog" --config "$TMP/one.yaml" --check-config \
		    >"$TMP/one.out" 2>&1 && grep -qx 'config ok' "$TMP/one.out"
		then
			pass "$(basename "$prog"): key $k ($t) accepted"
		else
			fail "$(basename "$prog"): key $k ($t): $(cat "$TMP/one.out")"
		fi
		grep -qxF -- ".B ${k//-/\\-}" "$MAN" ||
		    fail "key $k not in fpsensor.yaml(5)"
		grep -q -- "^#* *$k:" "$example" ||
		    fail "key $k not in $(basename "$example")"
	done <"$keys"
}
every_key "$FPSENSOR" "$TMP/sensor.keys" "$EX/fpsensor.yaml"
if [ -x "$FPSINK" ]; then
	every_key "$FPSINK" "$TMP/sink.keys" "$EX/fpsink.yaml"
fi

# The shipped examples load as they are (fpsensor's names files of this
# machine, so only its syntax and keys are checked: every line commented).
check "example fpsensor.yaml parses" "$FPSENSOR" --config "$EX/fpsensor.yaml" \
    -r "$SRC" --no-p0f -o /dev/null

# Same records with the key as with the flag.
same() {
	local name=$1 yaml=$2
	shift 2
	printf '%s\n' "$yaml" >"$TMP/same.yaml"
	"$FPSENSOR" -r "$SRC" --deterministic "$@" >"$TMP/flag.jsonl" \
	    2>"$TMP/flag.err"
	"$FPSENSOR" -r "$SRC" --deterministic --config "$TMP/same.yaml" \
	    >"$TMP/file.jsonl" 2>"$TMP/file.err"
	if [ -s "$TMP/flag.jsonl" ] && cmp -s "$TMP/flag.jsonl" "$TMP/file.jsonl" &&
	    cmp -s "$TMP/flag.err" "$TMP/file.err"; then
		pass "same records: $name"
	else
		fail "same records: $name"
		diff "$TMP/flag.jsonl" "$TMP/file.jsonl" | head -3
	fi
}
same "no-p0f" "no-p0f: true" --no-p0f
same "p0f-db" "p0f-db: $top_srcdir/tests/fixtures/p0f/test.fp" \
    --p0f-db "$top_srcdir/tests/fixtures/p0f/test.fp"
same "analyzers list" "analyzers: [tcp, http]"$'\n'"no-p0f: true" \
    --analyzers tcp,http --no-p0f
same "analyzers string" "analyzers: tls,dns"$'\n'"no-p0f: true" \
    --analyzers tls,dns --no-p0f
same "filter" "filter: udp"$'\n'"no-p0f: true" -f udp --no-p0f
same "flow limits" "max-flows: 4"$'\n'"tcp-timeout: 1"$'\n'"udp-timeout: 1"$'\n'"no-p0f: true" \
    --max-flows 4 --tcp-timeout 1 --udp-timeout 1 --no-p0f
same "streams" "stream-bytes: 256"$'\n'"stream-buffers: 2"$'\n'"no-p0f: true" \
    --stream-bytes 256 --stream-buffers 2 --no-p0f
same "anonymize-key" "anonymize-key: $TMP/key"$'\n'"no-p0f: true" \
    --anonymize-key "$TMP/key" --no-p0f
same "stats" "stats: true"$'\n'"no-p0f: true"$'\n'"no-ndpi: true" \
    --stats --no-p0f --no-ndpi
if [ $have_geo = 1 ]; then
	same "geoip" "geoip-city: $TMP/geo/city.mmdb"$'\n'"geoip-asn: $TMP/geo/asn.mmdb"$'\n'"no-p0f: true" \
	    --geoip-city "$TMP/geo/city.mmdb" --geoip-asn "$TMP/geo/asn.mmdb" --no-p0f
fi
printf 'output: %s\nno-p0f: true\n' "$TMP/o-file.jsonl" >"$TMP/o.yaml"
"$FPSENSOR" -r "$SRC" --deterministic --config "$TMP/o.yaml"
"$FPSENSOR" -r "$SRC" --deterministic --no-p0f -o "$TMP/o-flag.jsonl"
check "same records: output" cmp -s "$TMP/o-file.jsonl" "$TMP/o-flag.jsonl"

# A flag overrides the file, before or after --config.
printf 'analyzers: [tcp]\nno-p0f: true\noutput: %s\n' "$TMP/never.jsonl" \
    >"$TMP/over.yaml"
"$FPSENSOR" -r "$SRC" --deterministic --no-p0f --analyzers tls >"$TMP/want.jsonl"
"$FPSENSOR" --analyzers tls -o - -r "$SRC" --deterministic --config "$TMP/over.yaml" >"$TMP/got1.jsonl"
"$FPSENSOR" -r "$SRC" --deterministic --config "$TMP/over.yaml" -o - --analyzers tls >"$TMP/got2.jsonl"
check "flag before --config overrides the file" cmp -s "$TMP/want.jsonl" "$TMP/got1.jsonl"
check "flag after --config overrides the file" cmp -s "$TMP/want.jsonl" "$TMP/got2.jsonl"
check "overridden output file not written" test ! -e "$TMP/never.jsonl"
printf 'max-flows: 0\n' >"$TMP/bad-but-overridden.yaml"
expect_exit "a bad value in the file is an error even when overridden" 64 \
    "$FPSENSOR" -r "$SRC" --config "$TMP/bad-but-overridden.yaml" --max-flows 5

# Each kind of mistake: exact message, exit 64.
bad() {
	local name=$1 text=$2 want=$3
	printf '%s' "$text" >"$TMP/bad.yaml"
	"$FPSENSOR" -r "$SRC" --config "$TMP/bad.yaml" >/dev/null 2>"$TMP/bad.err"
	local rc=$?
	if [ $rc = 64 ] && grep -qF -- "msg=\"$TMP/bad.yaml:$want\"" "$TMP/bad.err"; then
		pass "bad config: $name"
	else
		fail "bad config: $name: exit $rc, wanted 64 and $TMP/bad.yaml:$want"
		sed 's/^/    /' "$TMP/bad.err" | head -3
	fi
}
bad "unknown key, with a suggestion" $'stats: true\nmax-flow: 10\n' \
    "2:1: key 'max-flow': unknown key (did you mean 'max-flows'?)"
bad "unknown key, nothing near" $'zzzzzzzzzz: 1\n' \
    "1:1: key 'zzzzzzzzzz': unknown key"
bad "wrong type: string for a number" $'max-flows: lots\n' \
    "1:12: key 'max-flows': 'lots' is not a number from 1 to 67108864"
bad "wrong type: quoted number" $'tcp-timeout: "30"\n' \
    "1:14: key 'tcp-timeout': expected an integer, got the string '30'"
bad "wrong type: sequence for a flag" $'no-p0f: [1]\n' \
    "1:9: key 'no-p0f': expected true or false, got a sequence"
bad "wrong type: not a boolean" $'stats: sometimes\n' \
    "1:8: key 'stats': expected true or false, got 'sometimes'"
bad "wrong type: mapping for a string" $'output: {a: b}\n' \
    "1:9: key 'output': expected a string, got a mapping"
bad "negative size" $'\nspool-max-bytes: -4096\n' \
    "2:18: key 'spool-max-bytes': -4096 is negative; expected a number from 4096 to 9223372036854775807"
bad "out of range" $'stream-bytes: 100000\n' \
    "1:15: key 'stream-bytes': '100000' is not a number from 256 to 65536"
bad "path that does not exist" $'p0f-db: /nonexistent/p0f.fp\n' \
    "1:9: key 'p0f-db': /nonexistent/p0f.fp: No such file or directory"
bad "directory for a file" "anonymize-key: $TMP"$'\n' \
    "1:16: key 'anonymize-key': $TMP: is a directory"
bad "duplicate key" $'stats: true\nno-p0f: true\nstats: false\n' \
    "3:1: key 'stats': duplicate key (first at line 1)"
bad "YAML syntax: unclosed quote" $'stats: true\noutput: "x\n' \
    "3:1: YAML: found unexpected end of stream while scanning a quoted scalar"
bad "YAML syntax: sequence inside the mapping" $'stats: true\n- no-p0f\n' \
    "2:1: YAML: did not find expected key while parsing a block mapping"
bad "not a mapping" $'- stats\n' \
    "1:1: expected a mapping of option names to values, got a sequence"
bad "command-line only key" $'check-config: true\n' \
    "1:1: key 'check-config': only on the command line"
bad "two documents" $'stats: true\n---\nstats: true\n' \
    "2:1: more than one YAML document"
bad "unknown analyzer" $'analyzers: [tcp, smtp]\n' \
    "1:12: key 'analyzers': unknown analyzer 'smtp' (known: tcp,tls,tls_udp,http,dns,ssh,ndpi)"
bad "empty value" $'output:\n' \
    "1:8: key 'output': no value; expected a string"
bad "kafka-conf not a mapping" $'kafka-brokers: k:9092\nkafka-topic: t\nkafka-conf: [a]\n' \
    "3:13: key 'kafka-conf': expected a mapping of settings to values, got a sequence"
bad "alias" $'stats: &a true\nno-p0f: *a\n' \
    "2:9: YAML aliases are not supported in a configuration file"
# Checks across options name the key of the file too.
bad "model-candidate-share without model-candidate" \
    $'no-p0f: true\nmodel-candidate-share: 10\n' \
    "2:24: key 'model-candidate-share': --model-candidate-share needs --model-candidate"
bad "model-candidate-share out of range" $'model-candidate-share: 101\n' \
    "1:24: key 'model-candidate-share': '101' is not a number from 0 to 100"
bad "model-candidate: no such version" \
    "model-dir: $top_srcdir/models"$'\nmodel-candidate: v9\nmodel-candidate-share: 10\n' \
    "2:18: key 'model-candidate': model: $top_srcdir/models/v9/client.yaml: No such file or directory"
bad "kafka-topic without kafka-brokers" $'no-p0f: true\nkafka-topic: t\n' \
    "2:14: key 'kafka-topic': --kafka-topic, --kafka-conf, --sensor-id and --spool-dir need --kafka-brokers"
bad "kafka-brokers without kafka-topic" $'kafka-brokers: k:9092\n' \
    "1:16: key 'kafka-brokers': --kafka-brokers needs --kafka-topic"
bad "capture-method pcap with workers" $'workers: 2\ncapture-method: pcap\n' \
    "2:17: key 'capture-method': --capture-method pcap reads with one worker: --workers 1, or afpacket"
printf 'interface: lo\n' >"$TMP/ri.yaml"
expect_exit "interface in the file, -r on the command line" 64 \
    "$FPSENSOR" -r "$SRC" --config "$TMP/ri.yaml"
check "  names the key" contains "$TMP/err" \
    "$TMP/ri.yaml:1:12: key 'interface': -r and -i exclude each other"
expect_exit "config file that does not exist" 64 "$FPSENSOR" -r "$SRC" --config "$TMP/nope.yaml"
check "  names the file" contains "$TMP/err" "$TMP/nope.yaml: No such file or directory"
expect_exit "bad number on the command line" 64 "$FPSENSOR" -r "$SRC" --max-flows -1
check "  names the option" contains "$TMP/err" "--max-flows: '-1' is not a number from 1 to 67108864"

# --check-config.
printf 'read: %s\nno-p0f: true\nmax-flows: 1000\nmetrics: 127.0.0.1:0\n' "$SRC" >"$TMP/ok.yaml"
expect_exit "--check-config ok" 0 "$FPSENSOR" --config "$TMP/ok.yaml" --check-config
check "  prints config ok" grep -qx "config ok" "$TMP/out"
expect_exit "--check-config without a file" 0 "$FPSENSOR" --check-config --no-p0f
printf 'p0f-db: %s\n' "$top_srcdir/tests/fixtures/p0f/bad_quirk.fp" >"$TMP/cc.yaml"
expect_exit "--check-config: damaged p0f database" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located in the file" contains "$TMP/err" "$TMP/cc.yaml:1:9: key 'p0f-db': p0f database"
printf 'no-p0f: true\nread: %s\n' "$TMP/empty.pcap.txt" >"$TMP/cc.yaml"
expect_exit "--check-config: capture unreadable" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located in the file" contains "$TMP/err" "$TMP/cc.yaml:2:7: key 'read': "
printf 'no-p0f: true\ngeoip-asn: %s\n' "$TMP/nope.mmdb" >"$TMP/cc.yaml"
expect_exit "--check-config: GeoIP database absent" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located in the file" contains "$TMP/err" "$TMP/cc.yaml:2:12: key 'geoip-asn': "
printf 'no-p0f: true\nmetrics: 127.0.0.1:99999\n' >"$TMP/cc.yaml"
expect_exit "--check-config: bad metrics port" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located in the file" contains "$TMP/err" "$TMP/cc.yaml:2:10: key 'metrics': "
printf 'no-p0f: true\nkafka-brokers: 127.0.0.1:1\nkafka-topic: t\nspool-dir: %s\n' \
    "$TMP/key" >"$TMP/cc.yaml"
expect_exit "--check-config: spool directory is a file" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located in the file" contains "$TMP/err" "$TMP/cc.yaml:4:12: key 'spool-dir': spool directory $TMP/key: Not a directory"
printf 'no-p0f: true\nkafka-brokers: 127.0.0.1:1\nkafka-topic: t\nkafka-conf:\n  acks: all\n  no.such.property: 1\n  linger.ms: 5\n' \
    >"$TMP/cc.yaml"
expect_exit "--check-config: unknown librdkafka setting" 64 "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
check "  located at that setting" contains "$TMP/err" "$TMP/cc.yaml:6:3: key 'kafka-conf': kafka setting no.such.property=1: No such configuration property"
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
	printf 'no-p0f: true\nkafka-brokers: 127.0.0.1:1\nkafka-topic: t\nspool-dir: %s\n' \
	    "$TMP/ro/spool" >"$TMP/cc.yaml"
	expect_exit "--check-config: spool directory not writable" 64 \
	    "$FPSENSOR" --config "$TMP/cc.yaml" --check-config
fi
if [ -x "$FPSINK" ]; then
	printf 'pg: "host=127.0.0.1 port=1"\nkafka-brokers: 127.0.0.1:1\nkafka-topic: t\nbatch-size: 10\nkafka-conf: {fetch.wait.max.ms: 10}\n' >"$TMP/sink.yaml"
	expect_exit "fpsink --check-config ok" 0 "$FPSINK" --config "$TMP/sink.yaml" --check-config
	printf 'pg: x\nkafka-brokers: b\nkafka-topic: t\nkafka-conf: {no.such.setting: 1}\n' >"$TMP/sink.yaml"
	expect_exit "fpsink --check-config: bad librdkafka setting" 64 "$FPSINK" --config "$TMP/sink.yaml" --check-config
	check "  located in the file" contains "$TMP/err" "$TMP/sink.yaml:4:14: key 'kafka-conf': no.such.setting: "
	printf 'pg: x\nkafka-brokers: b\nkafka-topic: t\nbatch-size: 0\n' >"$TMP/sink.yaml"
	expect_exit "fpsink: out of range" 64 "$FPSINK" --config "$TMP/sink.yaml"
	check "  located in the file" contains "$TMP/err" "$TMP/sink.yaml:4:13: key 'batch-size': '0' is not a number from 1 to 100000"
	printf 'pg: x\nkafka-brokers: b\nkafka-topic: t\nredis: nowhere\n' >"$TMP/sink.yaml"
	expect_exit "fpsink: bad redis address" 64 "$FPSINK" --config "$TMP/sink.yaml"
	check "  located in the file" contains "$TMP/err" "$TMP/sink.yaml:4:8: key 'redis': 'nowhere' is not HOST:PORT"
	printf 'kafka-brokers: b\nkafka-topic: t\n' >"$TMP/sink.yaml"
	expect_exit "fpsink: flag completes the file" 0 "$FPSINK" --config "$TMP/sink.yaml" --pg dbname=x --check-config
fi

# Truncations and byte flips of a full configuration: exit 0 or 64 (or the
# run's own statuses), never a crash.
cat >"$TMP/full.yaml" <<EOF
# every kind of value
read: $SRC
output: /dev/null
no-p0f: true
max-flows: 4096
tcp-timeout: 30
analyzers: [tcp, tls, http]
ndpi-packets: 8
stream-bytes: 1024
kafka-conf: {client.id: "x", acks: all}
metrics-linger: 0
verbose: 0
"quoted-key": 'x'
EOF
crashes=0
n=$(wc -c <"$TMP/full.yaml")
for ((i = 0; i < n; i += 2)); do
	head -c "$i" "$TMP/full.yaml" >"$TMP/trunc.yaml"
	"$FPSENSOR" --config "$TMP/trunc.yaml" --check-config >/dev/null 2>"$TMP/t.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 64 ] || grep -q Sanitizer "$TMP/t.err"; then
		crashes=$((crashes + 1))
		echo "    truncated at $i: exit $rc"
	fi
done
for ((i = 0; i < 200; i++)); do
	"$PYTHON" - "$TMP/full.yaml" "$TMP/flip.yaml" "$i" <<'PY'
import random, sys
data = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(int(sys.argv[3]))
for _ in range(r.randint(1, 4)):
    data[r.randrange(len(data))] = r.choice(b'\x00\xff:-[]{}"\'\n\t &*!|>%@`#,?\\') if r.random() < .7 else r.randrange(256)
open(sys.argv[2], 'wb').write(data)
PY
	"$FPSENSOR" --config "$TMP/flip.yaml" --check-config >/dev/null 2>"$TMP/t.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 64 ] || grep -q Sanitizer "$TMP/t.err"; then
		crashes=$((crashes + 1))
		echo "    flip seed $i: exit $rc"
	fi
done
check "truncated and damaged configurations: no crash ($n + 200 runs)" test $crashes = 0

finish
