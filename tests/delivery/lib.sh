# tests/delivery/lib.sh: real servers on loopback for the delivery tests.
# Sourced after tests/lib.sh.  Every server listens on 127.0.0.1 on a port
# the kernel says is free, keeps its data under $TMP, and is killed when the
# test exits (trap), however it exits.
: "${FPSINK:=$top_builddir/fpsink}"
MOCK_BROKER="$top_builddir/tests/kafka/mock_broker"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
KCAT=${KCAT:-kcat}
DLIB_PIDS=""
DLIB_PGDIRS=""
chmod 755 "$TMP"	# the postgres user must reach its data directory

dlib_cleanup() {
	local p d
	for d in $DLIB_PGDIRS; do
		[ -f "$d/data/postmaster.pid" ] &&
		    kill -9 "$(head -1 "$d/data/postmaster.pid")" 2>/dev/null
	done
	for p in $DLIB_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${DELIVERY_KEEP:-}" ]; then
		echo "kept $TMP ${DLIB_EXTRA_DIRS:-}"
	else
		rm -rf "$TMP" ${DLIB_EXTRA_DIRS:-}
	fi
}
trap dlib_cleanup EXIT
trap 'exit 143' TERM INT HUP

# need_delivery: skip unless fpsink, the mock broker, Postgres, Redis and
# kcat are all there.
need_delivery() {
	[ -x "$FPSINK" ] || skip "fpsink not built (librdkafka, libpq, hiredis)"
	[ -x "$MOCK_BROKER" ] || skip "mock_broker not built (librdkafka)"
	[ -x "$PGBIN/initdb" ] || skip "no PostgreSQL 15 in $PGBIN"
	command -v redis-server >/dev/null || skip "no redis-server"
	command -v redis-cli >/dev/null || skip "no redis-cli"
	command -v "$KCAT" >/dev/null || skip "no kcat"
}

free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

now_ms() { date +%s%3N; }

# --- Kafka: librdkafka's mock cluster in its own process ---------------
# start_broker TOPIC:PARTITIONS...: sets BROKERS and BROKER_PID.
start_broker() {
	local args="" t
	for t in "$@"; do args="$args -t $t"; done
	# shellcheck disable=SC2086
	"$MOCK_BROKER" $args >"$TMP/broker.out" 2>"$TMP/broker.err" &
	BROKER_PID=$!
	DLIB_PIDS="$DLIB_PIDS $BROKER_PID"
	wait_for 10 test -s "$TMP/broker.out" || { cat "$TMP/broker.err"; return 1; }
	BROKERS=$(head -1 "$TMP/broker.out")
}
broker_down() { kill -USR1 "$BROKER_PID"; sleep 0.2; }
broker_up() { kill -USR2 "$BROKER_PID"; sleep 0.2; }

# topic_dump TOPIC FILE: every message (value only) of TOPIC into FILE.
topic_dump() {
	timeout 20 "$KCAT" -C -b "$BROKERS" -t "$1" -e -q -f '%s\n' >"$2" 2>/dev/null
}

# --- PostgreSQL ---------------------------------------------------------
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Where clusters live: $TMP, unless the postgres user cannot reach it (a
# build tree under a private home directory); then a directory of its own
# under /tmp, removed at exit like the rest.
pg_root() {
	if [ -z "${DLIB_PGROOT:-}" ]; then
		DLIB_PGROOT=$TMP
		if [ "$(id -u)" -eq 0 ] &&
		    ! runuser -u postgres -- test -x "$TMP" 2>/dev/null; then
			DLIB_PGROOT=$(mktemp -d /tmp/fpsensor-pg.XXXXXX)
			chmod 755 "$DLIB_PGROOT"
			DLIB_EXTRA_DIRS="${DLIB_EXTRA_DIRS:-} $DLIB_PGROOT"
		fi
	fi
	echo "$DLIB_PGROOT"
}

# start_pg NAME [SETTING...]: a fresh cluster with database fp (settings are
# postgresql.conf lines); sets PG_<NAME> (connection string), PGPORT_<NAME>.
start_pg() {
	local name=$1 dir port try o
	shift
	pg_root >/dev/null
	dir="$DLIB_PGROOT/pg-$name"
	eval "PGDIR_$name=\$dir"
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 \
	    --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log"; return 1; }
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir'"
		echo "fsync = off"
		echo "full_page_writes = off"
		for o in "$@"; do echo "$o"; done
	} | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
	DLIB_PGDIRS="$DLIB_PGDIRS $dir"
	for try in 1 2 3; do
		port=$(free_port)
		echo "port = $port" | as_pg tee -a "$dir/data/postgresql.conf" \
		    >/dev/null
		if restart_pg "$name"; then
			sql "host=127.0.0.1 port=$port user=postgres dbname=postgres" \
			    "CREATE DATABASE fp" >/dev/null || return 1
			eval "PG_$name=\"host=127.0.0.1 port=$port user=postgres dbname=fp\""
			eval "PGPORT_$name=$port"
			return 0
		fi
	done
	cat "$dir/log"
	return 1
}

stop_pg() {
	as_pg "$PGBIN/pg_ctl" -D "$DLIB_PGROOT/pg-$1/data" -m "${2:-fast}" -w \
	    stop >/dev/null 2>&1
}

restart_pg() {
	as_pg "$PGBIN/pg_ctl" -D "$DLIB_PGROOT/pg-$1/data" \
	    -l "$DLIB_PGROOT/pg-$1/log" -w -t 30 start >/dev/null 2>&1
}

# sql CONN QUERY: one unaligned result.
sql() { "$PGBIN/psql" "$1" -XAtqc "$2"; }

# --- Redis --------------------------------------------------------------
# start_redis NAME [redis-server options...]: sets REDIS_<NAME> (host:port),
# RPORT_<NAME> and RPID_<NAME>.  With REDIS_CONF set, that file is read
# first (its port, bind, dir and persistence are overridden).
start_redis() {
	local name=$1 dir="$TMP/redis-$1" port try pid
	shift
	mkdir -p "$dir"
	for try in 1 2 3; do
		port=$(free_port)
		redis-server ${REDIS_CONF:+"$REDIS_CONF"} \
		    --port "$port" --bind 127.0.0.1 --save '' \
		    --appendonly no --dir "$dir" --logfile "$dir/log" \
		    --daemonize no "$@" &
		pid=$!
		DLIB_PIDS="$DLIB_PIDS $pid"
		if wait_for 10 redis-cli -p "$port" ping; then
			eval "REDIS_$name=127.0.0.1:$port"
			eval "RPORT_$name=$port"
			eval "RPID_$name=$pid"
			return 0
		fi
		kill -9 "$pid" 2>/dev/null
	done
	cat "$dir/log"
	return 1
}

rcli() { local p=$1; shift; redis-cli -p "$p" "$@"; }

# --- fpsink -------------------------------------------------------------
# start_sink NAME ARGS...: fpsink in the background, log in $TMP/sink-NAME.log;
# sets SINK_PID.
start_sink() {
	local name=$1
	shift
	"$FPSINK" -b "$BROKERS" --kafka-conf session.timeout.ms=6000 \
	    --kafka-conf heartbeat.interval.ms=500 \
	    --batch-ms 100 --retention-days 0 --stats -v "$@" \
	    >>"$TMP/sink-$name.out" 2>>"$TMP/sink-$name.log" &
	SINK_PID=$!
	DLIB_PIDS="$DLIB_PIDS $SINK_PID"
}

stop_sink() { kill -TERM "$SINK_PID" 2>/dev/null; { wait "$SINK_PID"; } 2>/dev/null; }

# kill9 PID: SIGKILL and reap, without the shell's "Killed" line.
kill9() { kill -9 "$1" 2>/dev/null; { wait "$1"; } 2>/dev/null; }

# rows_are CONN N: fp_records has N rows (for wait_for).
rows_are() { [ "$(sql "$1" 'SELECT count(*) FROM fp_records' 2>/dev/null)" = "$2" ]; }
rows_at_least() {
	[ "$(sql "$1" 'SELECT count(*) FROM fp_records' 2>/dev/null)" -ge "$2" ]
}

# stable_rows CONN: the row count once it stayed the same for a second.
stable_rows() {
	local a b=-1
	a=$(sql "$1" 'SELECT count(*) FROM fp_records')
	while [ "$a" != "$b" ]; do
		b=$a
		sleep 1
		a=$(sql "$1" 'SELECT count(*) FROM fp_records')
	done
	echo "$a"
}

# event_ids FILE: the event ids of the JSON lines in FILE, sorted.
event_ids() {
	"$PYTHON" -c 'import json, sys
ids = [json.loads(l)["event_id"] for l in open(sys.argv[1]) if l.strip()]
print("\n".join(sorted(ids)))' "$1"
}
