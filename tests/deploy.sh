#!/bin/bash
# deploy/: every region overlay renders with kubectl kustomize (offline) and
# passes deploy/tools/k8s_check.py (schemas, references, security
# invariants, regions alike but for their own values, canary = stable but
# for its nodes and versions); the alerts pass promtool check and their unit
# tests; the PrometheusRule and the dashboard are what their generators
# write; queries use only the metrics of metrics.txt; yamllint is clean.
# Each checker is also shown to fail on a broken copy.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
KUBECTL=${KUBECTL:-/usr/bin/kubectl}
export PYTHONDONTWRITEBYTECODE=1
[ -x "$KUBECTL" ] || skip "kubectl missing"
command -v promtool >/dev/null || skip "promtool missing (package prometheus)"
command -v yamllint >/dev/null || skip "yamllint missing"
"$PYTHON" -c 'import jsonschema, yaml' 2>/dev/null ||
	skip "python3-jsonschema or python3-yaml missing"

D="$top_srcdir/deploy"
K="$D/k8s"
MON="$K/base/monitoring"
CHECK="$PYTHON $D/tools/k8s_check.py"
REGIONS="us-east eu-west ap-southeast"

# run NAME CMD...: pass if CMD succeeds; its output is shown indented.
run() {
	local name=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		pass "$name"
	else
		fail "$name"
	fi
	sed 's/^/    /' "$TMP/out" | head -20
}

# refuse NAME CMD...: pass if CMD fails (exit 1, no Python traceback) and
# says why (the checkers print the problems last).
refuse() {
	local name=$1 got
	shift
	"$@" >"$TMP/out" 2>&1
	got=$?
	if [ "$got" = 1 ] && ! grep -q '^Traceback' "$TMP/out"; then
		pass "$name: $(grep -v '^ *$' "$TMP/out" | tail -1 |
		    sed "s|$TMP/||g; s|$top_srcdir/||g" | cut -c1-100)"
	else
		fail "$name: exit $got, wanted 1"
		sed 's/^/    /' "$TMP/out" | head -5
	fi
}

# mutate IN OUT PYTHON: OUT is IN's objects after PYTHON, which sees them
# as objs and finds one with get(kind, name).
mutate() {
	"$PYTHON" - "$1" "$2" "$3" <<'EOF'
import sys, yaml
objs = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
def get(kind, name):
    return next(o for o in objs if o["kind"] == kind and
                o["metadata"]["name"].startswith(name))
def pod(kind, name):
    return get(kind, name)["spec"]["template"]["spec"]
exec(sys.argv[3])
yaml.safe_dump_all(objs, open(sys.argv[2], "w"))
EOF
}

run "yamllint deploy/ (.yamllint)" yamllint -s -c "$top_srcdir/.yamllint" \
	"$D" "$top_srcdir/.yamllint"

for r in $REGIONS; do
	run "kustomize overlays/$r" "$KUBECTL" kustomize "$K/overlays/$r" \
		-o "$TMP/$r.yaml"
	run "objects of $r" $CHECK objects "$TMP/$r.yaml"
	run "canary of $r" $CHECK canary "$TMP/$r.yaml"
done
run "regions differ only in their own values" \
	$CHECK regions "$TMP/us-east.yaml" "$TMP/eu-west.yaml" \
	"$TMP/ap-southeast.yaml"
run "overlays agree with deploy/replication" \
	$CHECK replication "$D/replication" "$TMP/us-east.yaml" \
	"$TMP/eu-west.yaml" "$TMP/ap-southeast.yaml"

# The configuration keys and command-line options against the programs
# (once they read a configuration file: --config in their --help).
for prog in fpsensor fpsink; do
	bin=$top_builddir/$prog
	[ "$prog" = fpsensor ] && bin=$FPSENSOR
	if [ -x "$bin" ] && "$bin" --help 2>&1 | grep -q -- '--config'; then
		"$bin" --help >"$TMP/$prog.help" 2>&1
		for r in $REGIONS; do
			run "$prog options of $r" $CHECK options "$TMP/$r.yaml" \
				"$prog" "$TMP/$prog.help"
		done
	else
		echo "note $prog --help has no --config: keys not checked"
	fi
done

run "promtool check rules" promtool check rules "$MON/fpsensor.rules.yml"
run "promtool test rules" promtool test rules "$MON"/tests/*.yaml
run "metrics and labels of the queries" $CHECK metrics "$MON/metrics.txt" \
	"$MON/fpsensor.rules.yml" "$MON/fpsensor-dashboard.json"
run "PrometheusRule holds the rules file's groups" \
	$CHECK promrule "$MON/fpsensor.rules.yml" "$K/base/prometheusrule.yaml"
sh "$D/tools/gen-prometheusrule.sh" >"$TMP/pr.yaml"
check "prometheusrule.yaml is what gen-prometheusrule.sh writes" \
	cmp -s "$TMP/pr.yaml" "$K/base/prometheusrule.yaml"
"$PYTHON" "$D/tools/gen-dashboard.py" >"$TMP/dash.json"
check "fpsensor-dashboard.json is what gen-dashboard.py writes" \
	cmp -s "$TMP/dash.json" "$MON/fpsensor-dashboard.json"

# The checks fail when they should.
E=$TMP/us-east.yaml
mutate "$E" "$TMP/bad.yaml" \
	'pod("DaemonSet", "fpsensor")["containers"][0]["securityContext"]["capabilities"]["add"].append("SYS_ADMIN")'
refuse "objects: SYS_ADMIN added" $CHECK objects "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'pod("Deployment", "fpsink")["containers"][0]["securityContext"]["readOnlyRootFilesystem"] = False'
refuse "objects: writable root" $CHECK objects "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'c = pod("DaemonSet", "fpsensor-canary")["containers"][0]["securityContext"]; c["readOnlyRootFileSystem"] = c.pop("readOnlyRootFilesystem")'
refuse "objects: misspelt field" $CHECK objects "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'pod("DaemonSet", "fpsensor")["volumes"][0]["configMap"]["name"] = "fpsensor-config"'
refuse "objects: ConfigMap not in the build" $CHECK objects "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'pod("DaemonSet", "fpsensor")["containers"][0]["readinessProbe"]["httpGet"]["path"] = "/healthz"'
refuse "objects: readiness on /healthz" $CHECK objects "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'pod("DaemonSet", "fpsensor")["containers"][0]["volumeMounts"][3]["mountPath"] = "/spool"'
refuse "objects: spool mounted elsewhere than spool-dir" $CHECK objects \
	"$TMP/bad.yaml"
mutate "$TMP/eu-west.yaml" "$TMP/bad.yaml" \
	'pod("DaemonSet", "fpsensor")["containers"][0]["resources"]["limits"]["cpu"] = "3"'
refuse "regions: eu-west sensor CPU limit differs" $CHECK regions "$E" \
	"$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'get("DaemonSet", "fpsensor-canary")["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "50%"'
refuse "canary: rollout differs from stable" $CHECK canary "$TMP/bad.yaml"
mutate "$E" "$TMP/bad.yaml" \
	'a = pod("DaemonSet", "fpsensor-canary")["containers"][0]["args"]; a[-1] = "2027.1.0"'
refuse "canary: --model without its models image" $CHECK canary \
	"$TMP/bad.yaml"
mkdir -p "$TMP/repl/postgres" "$TMP/repl/redis"
cp "$D/replication/README.md" "$TMP/repl/"
cp "$D/replication/redis/"*.conf "$TMP/repl/redis/"
grep -v eu-west "$D/replication/postgres/pg_hba.conf" \
	>"$TMP/repl/postgres/pg_hba.conf"
refuse "replication: pg_hba.conf without eu-west" $CHECK replication \
	"$TMP/repl" "$E" "$TMP/eu-west.yaml" "$TMP/ap-southeast.yaml"
mkdir -p "$TMP/mon/tests"
cp "$MON"/tests/*.yaml "$TMP/mon/tests/"
sed 's/> 0\.01$/> 0.1/' "$MON/fpsensor.rules.yml" >"$TMP/mon/fpsensor.rules.yml"
refuse "promtool test rules: kernel drop threshold 10 %" \
	promtool test rules "$TMP/mon/tests/sensor.yaml"
sed 's/fpsensor_kafka_spool_bytes > 0/fpsensor_spool_bytes > 0/' \
	"$MON/fpsensor.rules.yml" >"$TMP/mon/bad.rules.yml"
refuse "metrics: a name not exposed" $CHECK metrics "$MON/metrics.txt" \
	"$TMP/mon/bad.rules.yml" "$MON/fpsensor-dashboard.json"
sed 's/rate(fpsensor_kernel_drops_total{/&reason=\\"x\\", /' \
	"$MON/fpsensor-dashboard.json" >"$TMP/mon/bad.json"
refuse "metrics: a label the metric lacks" $CHECK metrics \
	"$MON/metrics.txt" "$MON/fpsensor.rules.yml" "$TMP/mon/bad.json"
sed '0,/for: 5m/s//for: 6m/' "$K/base/prometheusrule.yaml" >"$TMP/mon/pr.yaml"
refuse "promrule: PrometheusRule edited by hand" $CHECK promrule \
	"$MON/fpsensor.rules.yml" "$TMP/mon/pr.yaml"
finish
