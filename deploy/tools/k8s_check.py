#!/usr/bin/python3
"""deploy/tools/k8s_check.py: offline checks of what `kubectl kustomize`
renders from deploy/k8s, run by tests/deploy.sh.

  k8s_check.py objects FILE             schemas, references, security
  k8s_check.py regions WRITER READER... region overlays differ only in
                                        the region's own values
  k8s_check.py canary FILE              the canary DaemonSet is the stable
                                        one but for the expected fields
  k8s_check.py metrics METRICS RULES DASHBOARD
                                        alert and dashboard queries use
                                        only listed metrics and labels
  k8s_check.py promrule RULES PROMETHEUSRULE
                                        the PrometheusRule holds the rules
                                        file's groups
  k8s_check.py replication DIR WRITER READER...
                                        the overlays agree with the
                                        replication settings in DIR
  k8s_check.py options FILE PROG HELP   every key of PROG.yaml and every
                                        option of PROG's command lines is
                                        an option in PROG --help (HELP)

Each prints one line per problem and exits 1 when there is one.
"""
import copy
import json
import re
import sys

import jsonschema
import yaml

sys.path.insert(0, __import__("os").path.dirname(__file__))
from k8s_schema import KINDS  # noqa: E402

NAMESPACE = "fpsensor"
SENSOR_CAPS = {"NET_RAW", "NET_ADMIN"}
SPOOL_HOSTPATH = "/var/lib/fpsensor/spool"
# Secrets are made out of band (deploy/README.md); everything else a pod
# refers to must be in the rendered output.
EXTERNAL_SECRETS = {"fpsink-postgres", "fpsink-redis"}
HASH = re.compile(r"-[a-z0-9]{10}$")
problems = []


def bad(where, msg):
    problems.append(f"{where}: {msg}")


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def ident(o):
    return f"{o.get('kind')}/{o.get('metadata', {}).get('name')}"


def pod_template(o):
    s = o.get("spec", {})
    if o["kind"] == "CronJob":
        return s["jobTemplate"]["spec"]["template"]
    return s.get("template")


def selects(selector, labels):
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        has, val = e["key"] in labels, labels.get(e["key"])
        op = e["operator"]
        if (op == "In" and val not in e["values"] or
                op == "NotIn" and has and val in e["values"] or
                op == "Exists" and not has or
                op == "DoesNotExist" and has):
            return False
    return True


# --- objects ---------------------------------------------------------------

def check_schema(o):
    key = (o.get("apiVersion"), o.get("kind"))
    if key not in KINDS:
        bad(ident(o), f"unknown apiVersion/kind {key[0]}/{key[1]}")
        return False
    schema, namespaced = KINDS[key]
    v = jsonschema.Draft7Validator(schema)
    errs = sorted(v.iter_errors(o), key=lambda e: list(e.absolute_path))
    for e in errs[:10]:
        path = "/".join(str(p) for p in e.absolute_path)
        bad(ident(o), f"{path or '(top)'}: {e.message[:200]}")
    ns = o.get("metadata", {}).get("namespace")
    if namespaced and ns != NAMESPACE:
        bad(ident(o), f"namespace {ns!r}, wanted {NAMESPACE!r}")
    if not namespaced and ns is not None:
        bad(ident(o), "cluster-scoped object with a namespace")
    return not errs


def check_image(where, image):
    m = re.match(r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9./_-]+:([A-Za-z0-9._-]+)$",
                 image)
    if not m:
        bad(where, f"image {image!r}: not registry/name:tag (an overlay "
            "sets it)")
    elif m.group(2) == "latest":
        bad(where, f"image {image!r}: a moving tag")


def check_container(where, c, pod, sensor):
    sc = c.get("securityContext") or {}
    psc = pod.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    if caps.get("drop") != ["ALL"]:
        bad(where, "capabilities.drop is not [ALL]")
    add = set(caps.get("add") or [])
    if sensor and add != SENSOR_CAPS:
        bad(where, f"capabilities.add {sorted(add)}, wanted "
            f"{sorted(SENSOR_CAPS)}")
    if not sensor and add:
        bad(where, f"capabilities.add {sorted(add)}: none allowed")
    if sc.get("privileged"):
        bad(where, "privileged")
    if sc.get("allowPrivilegeEscalation") is not False:
        bad(where, "allowPrivilegeEscalation is not false")
    if sc.get("readOnlyRootFilesystem") is not True:
        bad(where, "readOnlyRootFilesystem is not true")
    seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or
               {}).get("type")
    if seccomp != "RuntimeDefault":
        bad(where, f"seccompProfile {seccomp}, wanted RuntimeDefault")
    nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
    if not sensor and nonroot is not True:
        bad(where, "runAsNonRoot is not true")
    res = c.get("resources") or {}
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in (res.get(kind) or {}):
                bad(where, f"no resources.{kind}.{r}")
    check_image(where, c.get("image", ""))


def check_sensor_paths(where, pod, names):
    """fpsensor.yaml's directories are where the volumes are mounted, and
    --metrics is on the port the probes and the Service use."""
    c = next(c for c in pod["containers"] if c["name"] == "fpsensor")
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    cfg = next((v for v in pod.get("volumes", []) if v["name"] == "config"),
               None)
    cm = names.get(("ConfigMap", cfg["configMap"]["name"])) if cfg else None
    if not cm:
        bad(where, "no config volume with fpsensor.yaml")
        return
    conf = yaml.safe_load(cm["data"]["fpsensor.yaml"])
    for key, vol in (("spool-dir", "spool"), ("model-dir", "models"),
                     ("rules", "rules")):
        if key in conf and conf[key] != mounts.get(vol):
            bad(where, f"{key} {conf[key]} is not the mount of volume "
                f"{vol} ({mounts.get(vol)})")
    for key in ("spool-dir", "model-dir"):
        if key not in conf:
            bad(where, f"fpsensor.yaml has no {key}")
    args = c.get("args", [])
    port = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    if "--metrics" not in args or not args[args.index("--metrics") + 1] \
            .endswith(f":{port.get('metrics')}"):
        bad(where, "--metrics is not on the container's metrics port")


def check_workload(o, names):
    where = ident(o)
    tpl = pod_template(o)
    pod = tpl["spec"]
    labels = tpl["metadata"].get("labels") or {}
    if o["kind"] != "CronJob" and not selects(o["spec"]["selector"], labels):
        bad(where, "selector does not select the pod template")
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    for v in vols.values():
        if "configMap" in v and ("ConfigMap", v["configMap"]["name"]) \
                not in names:
            bad(where, f"volume {v['name']}: no ConfigMap "
                f"{v['configMap']['name']}")
        if "secret" in v and v["secret"]["secretName"] \
                not in EXTERNAL_SECRETS:
            bad(where, f"volume {v['name']}: unknown Secret")
        if "emptyDir" in v and "sizeLimit" not in v["emptyDir"]:
            bad(where, f"volume {v['name']}: emptyDir without sizeLimit")
        if "hostPath" in v and v["hostPath"]["path"] != SPOOL_HOSTPATH:
            bad(where, f"volume {v['name']}: hostPath "
                f"{v['hostPath']['path']} (only {SPOOL_HOSTPATH})")
    sensor_pod = labels.get("app.kubernetes.io/name") == "fpsensor"
    if sensor_pod:
        if o["kind"] != "DaemonSet":
            bad(where, "fpsensor pods belong to a DaemonSet")
        else:
            ru = o["spec"].get("updateStrategy", {}).get("rollingUpdate", {})
            if "maxUnavailable" not in ru:
                bad(where, "no rollingUpdate.maxUnavailable")
        if pod.get("hostNetwork") is not True:
            bad(where, "fpsensor without hostNetwork")
        if pod.get("dnsPolicy") != "ClusterFirstWithHostNet":
            bad(where, "hostNetwork needs dnsPolicy ClusterFirstWithHostNet")
    elif pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
        bad(where, "host namespaces outside the sensor")
    if sensor_pod:
        check_sensor_paths(where, pod, names)
    if pod.get("automountServiceAccountToken") is not False:
        bad(where, "automountServiceAccountToken is not false")
    pc = pod.get("priorityClassName")
    if pc and ("PriorityClass", pc) not in names:
        bad(where, f"no PriorityClass {pc}")
    if ("ServiceAccount", pod.get("serviceAccountName")) not in names:
        bad(where, f"no ServiceAccount {pod.get('serviceAccountName')}")
    for c in (pod.get("initContainers") or []) + pod["containers"]:
        cw = f"{where} container {c['name']}"
        is_sensor = sensor_pod and c["name"] == "fpsensor"
        check_container(cw, c, pod, is_sensor)
        for m in c.get("volumeMounts") or []:
            if m["name"] not in vols:
                bad(cw, f"mount of unknown volume {m['name']}")
        for e in c.get("env") or []:
            ref = (e.get("valueFrom") or {})
            if "configMapKeyRef" in ref:
                r = ref["configMapKeyRef"]
                if ("ConfigMap", r["name"]) not in names:
                    bad(cw, f"env {e['name']}: no ConfigMap {r['name']}")
            if "secretKeyRef" in ref and \
                    ref["secretKeyRef"]["name"] not in EXTERNAL_SECRETS:
                bad(cw, f"env {e['name']}: unknown Secret")
        ports = {p.get("name"): p["containerPort"]
                 for p in c.get("ports") or []}
        for pn, path in (("livenessProbe", "/healthz"),
                         ("readinessProbe", "/readyz")):
            if c in pod.get("initContainers", []) or o["kind"] == "CronJob":
                continue
            p = (c.get(pn) or {}).get("httpGet")
            if not p or p.get("path") != path or \
                    p.get("port") not in ("metrics", ports.get("metrics")):
                bad(cw, f"{pn} is not GET {path} on the metrics port")
    return labels


def cmd_objects(path):
    objs = load(path)
    names = {}
    for o in objs:
        key = (o.get("kind"), o.get("metadata", {}).get("name"))
        if key in names:
            bad(ident(o), "defined twice")
        names[key] = o
    ok = {id(o) for o in objs if check_schema(o)}
    pods = []
    for o in objs:
        if id(o) in ok and o["kind"] in ("DaemonSet", "Deployment",
                                         "CronJob"):
            pods.append((o, check_workload(o, names)))
    for o in objs:
        if id(o) not in ok:
            continue
        k, s = o["kind"], o.get("spec", {})
        sel = None
        if k == "Service":
            sel = {"matchLabels": s.get("selector") or {}}
        elif k in ("PodDisruptionBudget", "NetworkPolicy"):
            sel = s.get("selector") or s.get("podSelector")
        if sel and sel != {} and not any(selects(sel, lb) for _, lb in pods):
            bad(ident(o), "selects no pod of this build")
        if k == "HorizontalPodAutoscaler":
            ref = s["scaleTargetRef"]
            if (ref["kind"], ref["name"]) not in names:
                bad(ident(o), f"no {ref['kind']}/{ref['name']} to scale")
        if k == "ServiceMonitor":
            svcs = [x for x in objs if x["kind"] == "Service" and
                    selects(s["selector"], x["metadata"].get("labels") or {})]
            if not svcs:
                bad(ident(o), "selects no Service")
            for ep in s["endpoints"]:
                if not any(p.get("name") == ep.get("port")
                           for x in svcs for p in x["spec"]["ports"]):
                    bad(ident(o), f"no Service port {ep.get('port')}")
        if k == "NetworkPolicy":
            for rule in s.get("ingress", []) + s.get("egress", []):
                for peer in rule.get("from", []) + rule.get("to", []):
                    cidr = peer.get("ipBlock", {}).get("cidr", "")
                    if cidr.startswith("192.0.2."):
                        bad(ident(o), f"placeholder block {cidr} left")
        if k == "ConfigMap" and o["metadata"]["name"].startswith(
                "fpsensor-region") and o["data"].get("region") in (None,
                                                                   "none"):
            bad(ident(o), "no region set")
    print(f"{path}: {len(objs)} objects, {len(pods)} workloads checked")


# --- regions ---------------------------------------------------------------

WRITER_ONLY = {("Deployment", "fpsink"), ("HorizontalPodAutoscaler",
               "fpsink"), ("PodDisruptionBudget", "fpsink"),
               ("NetworkPolicy", "fpsink"), ("Service", "fpsink-metrics"),
               ("ServiceMonitor", "fpsink")}
READER_ONLY = {("CronJob", "fpsink-migrate"),
               ("NetworkPolicy", "fpsink-migrate")}


def region_of(objs):
    for o in objs:
        if o["kind"] == "ConfigMap" and \
                o["metadata"]["name"].startswith("fpsensor-region"):
            return o["data"]["region"]
    raise SystemExit("no fpsensor-region ConfigMap")


def normalize(objs):
    """Objects by (kind, name) with the region's own values replaced:
    region name, its 10.N. address blocks, image tags and model versions
    (regions are upgraded one after the other), generated name hashes;
    configuration files parsed (comments dropped)."""
    region = region_of(objs)
    out, tags = {}, {}
    text = yaml.safe_dump(objs)
    m = re.search(r"cidr: (10\.[0-9]+)\.", text)
    octet = m.group(1) if m else None

    def walk(x, path):
        if isinstance(x, dict):
            return {k: walk(v, path + [k]) for k, v in x.items()}
        if isinstance(x, list):
            if path and path[-1] == "args" and "--model" in x:
                x = list(x)
                x[x.index("--model") + 1] = "MODEL"
            return [walk(v, path) for v in x]
        if isinstance(x, str):
            if path and path[-1] == "image":
                name, _, tag = x.rpartition(":")
                tags[name.rpartition("/")[2]] = tag
                x = name + ":TAG"
            x = x.replace(region, "REGION")
            if octet:
                x = x.replace(octet + ".", "10.N.")
            if path and path[-1] == "name":
                x = HASH.sub("", x)
        return x
    for o in objs:
        o = copy.deepcopy(o)
        if o["kind"] == "ConfigMap":
            o["data"] = {k: (yaml.safe_load(v) if k.endswith(".yaml") else v)
                         for k, v in o.get("data", {}).items()}
            for v in o["data"].values():
                if isinstance(v, dict) and "model" in v:
                    v["model"] = "MODEL"
            if o["metadata"].get("labels", {}).get("grafana_dashboard"):
                o["data"] = {k: json.loads(v) for k, v in o["data"].items()}
        key = (o["kind"], HASH.sub("", o["metadata"]["name"])
               if o["kind"] == "ConfigMap" else o["metadata"]["name"])
        out[key] = walk(o, [])
    return region, out, tags


def diff(a, b, path="", n=[0]):
    if n[0] > 20:
        return
    if type(a) is not type(b):
        yield f"{path}: {a!r} / {b!r}"
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                yield f"{path}/{k}: only in one"
            else:
                yield from diff(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items / {len(b)}"
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                yield from diff(x, y, f"{path}/{i}")
    elif a != b:
        yield f"{path}: {a!r} / {b!r}"


def compare(ra, a, rb, b, skip_a, skip_b):
    ka, kb = set(a) - skip_a, set(b) - skip_b
    for k in sorted(ka ^ kb):
        bad(f"{ra} vs {rb}", f"{k[0]}/{k[1]} in one only")
    for k in sorted(ka & kb):
        for d in diff(a[k], b[k]):
            bad(f"{ra} vs {rb} {k[0]}/{k[1]}", d)


def cmd_regions(writer, *readers):
    rw, w, tw = normalize(load(writer))
    if not WRITER_ONLY <= set(w) or READER_ONLY & set(w):
        bad(rw, "not a writing region (fpsink objects)")
    seen = [rw]
    for path in readers:
        rr, r, tr = normalize(load(path))
        if rr in seen:
            bad(rr, "region used twice")
        seen.append(rr)
        if not READER_ONLY <= set(r) or WRITER_ONLY & set(r):
            bad(rr, "not a replica region (fpsink-migrate objects)")
        compare(rw, w, rr, r, WRITER_ONLY, READER_ONLY)
        print(f"{rr}: images " + ", ".join(f"{k}={v}"
                                          for k, v in sorted(tr.items())))
    print(f"{rw}: images " + ", ".join(f"{k}={v}"
                                      for k, v in sorted(tw.items())))
    print(f"regions {', '.join(seen)}: {len(w)} objects compared")


# --- canary ----------------------------------------------------------------

def cmd_canary(path):
    objs = load(path)
    ds = {o["metadata"]["name"]: o for o in objs if o["kind"] == "DaemonSet"}
    cms = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ConfigMap"}
    st, ca = ds.get("fpsensor"), ds.get("fpsensor-canary")
    if not st or not ca:
        bad(path, "fpsensor and fpsensor-canary DaemonSets wanted")
        return
    images = {}
    for name, o in (("stable", st), ("canary", ca)):
        pod = o["spec"]["template"]["spec"]
        images[name] = {c["name"]: c["image"].rpartition(":")[2]
                        for c in pod["containers"] + pod["initContainers"]}
        cfg = next(v for v in pod["volumes"] if v["name"] == "config")
        conf = yaml.safe_load(cms[cfg["configMap"]["name"]]["data"]
                              ["fpsensor.yaml"])
        args = pod["containers"][0]["args"]
        model = args[args.index("--model") + 1] if "--model" in args \
            else conf.get("model")
        if model != images[name]["models"]:
            bad(f"{path} {name}", f"model {model} but the models image is "
                f"{images[name]['models']}")
    if st["spec"]["template"]["spec"].get("nodeSelector"):
        bad(path, "the stable DaemonSet has a nodeSelector")
    terms = st["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    if not all({"key": "fpsensor.io/canary", "operator": "NotIn",
                "values": ["true"]} in t["matchExpressions"] for t in terms):
        bad(path, "the stable DaemonSet does not leave the canary nodes")
    if ca["spec"]["template"]["spec"].get("nodeSelector") != \
            {"fpsensor.io/canary": "true"}:
        bad(path, "the canary DaemonSet is not on fpsensor.io/canary=true")

    def strip(o):
        o = copy.deepcopy(o)
        o["metadata"].pop("name")
        for lb in (o["metadata"]["labels"],
                   o["spec"]["selector"]["matchLabels"],
                   o["spec"]["template"]["metadata"]["labels"]):
            lb.pop("fpsensor.io/track", None)
        pod = o["spec"]["template"]["spec"]
        pod.pop("nodeSelector", None)
        for t in pod["affinity"]["nodeAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"][
                "nodeSelectorTerms"]:
            t["matchExpressions"] = [e for e in t["matchExpressions"]
                                     if e["key"] != "fpsensor.io/canary"]
        for c in pod["containers"] + pod["initContainers"]:
            c["image"] = c["image"].rpartition(":")[0]
            if "--model" in c.get("args", []):
                i = c["args"].index("--model")
                del c["args"][i:i + 2]
        return o
    for d in diff(strip(st), strip(ca)):
        bad(f"{path} stable vs canary", d)
    print(f"{path}: stable {images['stable']}, canary {images['canary']}")


# --- metrics ---------------------------------------------------------------

TARGET_LABELS = {"instance", "job", "node", "track", "region", "namespace",
                 "pod", "le", "__name__"}


def cmd_metrics(metrics_path, rules_path, dashboard_path):
    metrics = {}
    with open(metrics_path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, typ, labels = line.split()
                lset = set() if labels == "-" else set(labels.split(","))
                metrics[name] = (typ, lset)
                if typ == "histogram":
                    metrics[name + "_bucket"] = ("counter", {"le"})
                    metrics[name + "_sum"] = ("counter", set())
                    metrics[name + "_count"] = ("counter", set())
    exprs = []
    with open(rules_path) as f:
        for g in yaml.safe_load(f)["groups"]:
            for r in g["rules"]:
                exprs.append((r.get("alert") or r.get("record"), r["expr"]))
    with open(dashboard_path) as f:
        dash = json.load(f)
    for p in dash["panels"]:
        for t in p.get("targets", []):
            exprs.append((f"panel {p['title']!r}", t["expr"]))
    for v in dash["templating"]["list"]:
        if isinstance(v.get("query"), dict):
            exprs.append((f"variable {v['name']}", v["query"]["query"]))
    used = set()
    for where, e in exprs:
        for m in re.finditer(r"\b((fpsensor|fpsink)_[a-z0-9_]+)\b"
                             r"(\{([^}]*)\})?", e):
            name, sel = m.group(1), m.group(4) or ""
            if name not in metrics:
                bad(where, f"{name}: not an exposed metric ({metrics_path})")
                continue
            used.add(re.sub(r"_(bucket|sum|count)$", "", name)
                     if metrics[name][0] == "counter" and
                     re.sub(r"_(bucket|sum|count)$", "", name) in metrics
                     else name)
            typ, lset = metrics[name]
            for lm in re.finditer(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)",
                                  sel):
                if lm.group(1) not in lset | TARGET_LABELS:
                    bad(where, f"{name} has no label {lm.group(1)}")
        for m in re.finditer(r"\b(rate|irate|increase|deriv|delta)\(\s*"
                             r"((fpsensor|fpsink)_[a-z0-9_]+)", e):
            fn, name = m.group(1), m.group(2)
            typ = metrics.get(name, ("?",))[0]
            want = "gauge" if fn in ("deriv", "delta") else "counter"
            if typ != want:
                bad(where, f"{fn}() of {name}, a {typ}")
    names = {n for n, (t, _) in metrics.items()
             if not re.search(r"_(bucket|sum|count)$", n) or
             n.rsplit("_", 1)[0] not in metrics}
    print(f"{len(exprs)} queries use {len(used)} of {len(names)} metrics; "
          f"unused: {', '.join(sorted(names - used)) or 'none'}")


def cmd_promrule(rules_path, pr_path):
    with open(rules_path) as f:
        groups = yaml.safe_load(f)["groups"]
    pr = load(pr_path)
    if len(pr) != 1 or pr[0].get("kind") != "PrometheusRule":
        bad(pr_path, "not one PrometheusRule")
        return
    for d in diff(groups, pr[0]["spec"]["groups"]):
        bad(f"{rules_path} vs {pr_path}", d)
    n = sum(len(g["rules"]) for g in groups)
    print(f"{pr_path}: {len(groups)} groups, {n} rules, as in {rules_path}")


def cmd_options(path, prog, help_path):
    with open(help_path) as f:
        known = set(re.findall(r"--([a-z0-9][-a-z0-9]*)", f.read()))
    used = {}
    for o in load(path):
        if o["kind"] == "ConfigMap" and \
                HASH.sub("", o["metadata"]["name"]) == prog + "-config":
            for k in yaml.safe_load(o["data"][prog + ".yaml"]):
                used.setdefault(k, f"{prog}.yaml")
        tpl = pod_template(o) if o["kind"] in ("DaemonSet", "Deployment",
                                               "CronJob") else None
        for c in (tpl["spec"]["containers"] if tpl else []):
            if c["image"].rpartition(":")[0].endswith("/" + prog):
                for a in c.get("args", []):
                    if a.startswith("--"):
                        used.setdefault(a[2:].split("=")[0], ident(o))
    for k, where in sorted(used.items()):
        if k not in known:
            bad(where, f"--{k}: not an option of {prog} --help")
    print(f"{path}: {prog}: {len(used)} options, all in --help"
          if not problems else f"{path}: {prog}: {len(used)} options")


def sink_conf(objs):
    for o in objs:
        if o["kind"] == "ConfigMap" and \
                HASH.sub("", o["metadata"]["name"]) == "fpsink-config":
            return yaml.safe_load(o["data"]["fpsink.yaml"])
    raise SystemExit("no fpsink-config ConfigMap")


def cmd_replication(repl, writer, *readers):
    """The writing region's PostgreSQL and Redis are the ones the replicas
    follow (redis/REGION.conf replicaof, pg_hba.conf), and the replicas'
    address blocks are the ones pg_hba.conf lets in."""
    wobjs = load(writer)
    wconf = sink_conf(wobjs)
    rhost, _, rport = wconf["redis"].rpartition(":")
    pg = dict(kv.split("=", 1) for kv in wconf["pg"].split())
    with open(f"{repl}/postgres/pg_hba.conf") as f:
        hba = f.read()
    with open(f"{repl}/README.md") as f:
        readme = f.read()
    if pg.get("host") not in readme:
        bad(writer, f"PostgreSQL {pg.get('host')} is not the primary of "
            f"{repl}/README.md")
    wregion = region_of(wobjs)
    with open(f"{repl}/redis/{wregion}.conf") as f:
        if re.search(r"^replicaof ", f.read(), re.M):
            bad(wregion, f"redis/{wregion}.conf is a replica")
    for path in readers:
        objs = load(path)
        region = region_of(objs)
        try:
            with open(f"{repl}/redis/{region}.conf") as f:
                conf = f.read()
        except OSError:
            bad(region, f"no {repl}/redis/{region}.conf")
            continue
        m = re.search(r"^replicaof (\S+) (\d+)$", conf, re.M)
        if not m or (m.group(1), m.group(2)) != (rhost, rport):
            bad(region, f"redis/{region}.conf does not follow "
                f"{rhost}:{rport}")
        text = yaml.safe_dump(objs)
        m = re.search(r"cidr: (10\.[0-9]+)\.", text)
        block = f"{m.group(1)}.0.0/16" if m else "?"
        if not re.search(rf"\s{re.escape(block)}\s.*#\s*{region}\b", hba):
            bad(region, f"pg_hba.conf does not let {block} ({region}) in")
    print(f"{writer}: PostgreSQL {pg.get('host')}, Redis {rhost}:{rport}; "
          f"{len(readers)} replica regions follow them")


def main(argv):
    cmds = {"objects": cmd_objects, "regions": cmd_regions,
            "canary": cmd_canary, "metrics": cmd_metrics,
            "promrule": cmd_promrule, "options": cmd_options,
            "replication": cmd_replication}
    if len(argv) < 3 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 64
    cmds[argv[1]](*argv[2:])
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
