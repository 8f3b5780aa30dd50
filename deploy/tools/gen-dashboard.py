#!/usr/bin/python3
"""deploy/tools/gen-dashboard.py: write the Grafana dashboard of fpsensor
and fpsink (deploy/k8s/base/monitoring/fpsensor-dashboard.json):

    deploy/tools/gen-dashboard.py > deploy/k8s/base/monitoring/fpsensor-dashboard.json

Every query filters on $region (the external label of each region's
Prometheus) and, for the sensor, $track (stable, canary).
"""
import json
S = 'region=~"$region", track=~"$track"'
K = 'region=~"$region"'
R = '[$__rate_interval]'
DS = {"type": "prometheus", "uid": "${datasource}"}


def ts(title, targets, unit="short", x=0, y=0, w=12, h=8, stack=False):
    return {"type": "timeseries", "title": title, "datasource": DS,
            "gridPos": {"x": x, "y": y, "w": w, "h": h},
            "fieldConfig": {"defaults": {"unit": unit, "custom": {
                "stacking": {"mode": "normal" if stack else "none"}}},
                "overrides": []},
            "options": {"legend": {"displayMode": "table",
                                   "placement": "right"},
                        "tooltip": {"mode": "multi"}},
            "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": l}
                        for i, (e, l) in enumerate(targets)]}


def row(title, y):
    return {"type": "row", "title": title, "collapsed": False,
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []}


def sel(extra=""):
    return "{" + S + extra + "}"


p = []
y = 0
p.append(row("Capture", y)); y += 1
p.append(ts("Packets per second by node",
    [(f'sum by (node) (rate(fpsensor_packets_total{sel()}{R}))', "{{node}}")],
    "pps", 0, y))
p.append(ts("Kernel drops (share of packets)",
    [(f'sum by (node) (rate(fpsensor_kernel_drops_total{sel()}{R})) / '
      f'(sum by (node) (rate(fpsensor_packets_total{sel()}{R})) + '
      f'sum by (node) (rate(fpsensor_kernel_drops_total{sel()}{R})))',
      "{{node}}")], "percentunit", 12, y)); y += 8
p.append(ts("Records per second by type",
    [(f'sum by (type) (rate(fpsensor_records_total{sel()}{R}))', "{{type}}"),
     (f'sum(rate(fpsensor_records_failed_total{sel()}{R}))', "failed")],
    "ops", 0, y))
p.append(ts("Active flows and evictions",
    [(f'sum by (node) (fpsensor_flows_active{sel()})', "active {{node}}"),
     (f'sum(rate(fpsensor_flows_evicted_total{sel()}{R}))', "evicted/s")],
    "short", 12, y)); y += 8
p.append(ts("Skipped packets by reason, anomalies by analyzer",
    [(f'sum by (reason) (rate(fpsensor_packets_skipped_total{sel()}{R}))',
      "skipped {{reason}}"),
     (f'sum by (analyzer) (rate(fpsensor_anomalies_total{sel()}{R}))',
      "anomaly {{analyzer}}")], "pps", 0, y))
p.append(ts("Bytes per second by node",
    [(f'sum by (node) (rate(fpsensor_bytes_total{sel()}{R}))', "{{node}}")],
    "Bps", 12, y)); y += 8
p.append(row("Verdicts and models", y)); y += 1
p.append(ts("Verdicts per second by model version and result",
    [(f'sum by (model_version, result) '
      f'(rate(fpsensor_verdicts_total{sel()}{R}))',
      "{{model_version}} {{result}}")], "ops", 0, y, stack=True))
p.append(ts("Model disagreement (share of the primary's verdicts)",
    [(f'sum by (primary, other) '
      f'(rate(fpsensor_model_disagreements_total{sel()}{R})) '
      f'/ on (primary) group_left label_replace(sum by (model_version) '
      f'(rate(fpsensor_verdicts_total{sel()}{R})), '
      f'"primary", "$1", "model_version", "(.*)")',
      "{{primary}} vs {{other}}")], "percentunit", 12, y)); y += 8
p.append(ts("Spoof share by track (canary against stable)",
    [(f'sum by (track) (rate(fpsensor_verdicts_total'
      f'{sel(", result=" + chr(34) + "spoof" + chr(34))}{R})) / '
      f'sum by (track) (rate(fpsensor_verdicts_total{sel()}{R}))',
      "{{track}}")], "percentunit", 0, y))
p.append(ts("Verdict latency (p50, p99)",
    [(f'histogram_quantile(0.5, sum by (le) '
      f'(rate(fpsensor_verdict_latency_seconds_bucket{sel()}{R})))', "p50"),
     (f'histogram_quantile(0.99, sum by (le) '
      f'(rate(fpsensor_verdict_latency_seconds_bucket{sel()}{R})))', "p99")],
    "s", 12, y)); y += 8
p.append(ts("Verdict cache hit ratio and inference batch size (p50)",
    [(f'sum(rate(fpsensor_verdict_cache_hits_total{sel()}{R})) / '
      f'sum(rate(fpsensor_verdict_cache_lookups_total{sel()}{R}))',
      "cache hits"),
     (f'histogram_quantile(0.5, sum by (le) '
      f'(rate(fpsensor_inference_batch_size_bucket{sel()}{R})))',
      "batch p50")], "short", 0, y))
p.append({"type": "table", "title": "Versions in use",
          "datasource": DS, "gridPos": {"x": 12, "y": y, "w": 12, "h": 8},
          "targets": [
              {"refId": "A", "format": "table", "instant": True,
               "expr": f'count by (version, ja4plus, track) '
                       f'(fpsensor_build_info{sel()})'},
              {"refId": "B", "format": "table", "instant": True,
               "expr": f'count by (version) '
                       f'(fpsink_build_info{{{K}}})'}]})
y += 8
p.append({"type": "table", "title": "Models and rules in use",
          "datasource": DS, "gridPos": {"x": 0, "y": y, "w": 24, "h": 6},
          "targets": [
              {"refId": "A", "format": "table", "instant": True,
               "expr": f'count by (role, version, track) '
                       f'(fpsensor_model_info{sel()})'},
              {"refId": "B", "format": "table", "instant": True,
               "expr": f'count by (database, version, track) '
                       f'(fpsensor_rules_info{sel()})'}]})
y += 6
p.append(row("Delivery", y)); y += 1
p.append(ts("Kafka queue depth by node",
    [(f'sum by (node) (fpsensor_kafka_queue_depth{sel()})', "{{node}}")],
    "short", 0, y))
p.append(ts("Spool bytes by node",
    [(f'sum by (node) (fpsensor_kafka_spool_bytes{sel()})', "{{node}}")],
    "bytes", 12, y)); y += 8
p.append(ts("Kafka deliveries and errors per second",
    [(f'sum(rate(fpsensor_kafka_delivered_total{sel()}{R}))', "delivered"),
     (f'sum(rate(fpsensor_kafka_delivery_errors_total{sel()}{R}))', "errors"),
     (f'sum(rate(fpsensor_kafka_spool_dropped_total{sel()}{R}))',
      "dropped (spool full)")], "ops", 0, y))
p.append(ts("Sink consumer lag by topic",
    [(f'sum by (topic) (fpsink_consumer_lag{{{K}}})', "{{topic}}")],
    "short", 12, y)); y += 8
p.append(ts("Sink rows written per second and batch size (p50)",
    [(f'sum(rate(fpsink_rows_written_total{{{K}}}{R}))', "rows/s"),
     (f'histogram_quantile(0.5, sum by (le) '
      f'(rate(fpsink_batch_size_bucket{{{K}}}{R})))', "batch p50")],
    "short", 0, y))
p.append(ts("Sink errors and dead letters per second",
    [(f'sum(rate(fpsink_postgres_errors_total{{{K}}}{R}))', "postgres errors"),
     (f'sum(rate(fpsink_redis_errors_total{{{K}}}{R}))', "redis errors"),
     (f'sum(rate(fpsink_dead_letters_total{{{K}}}{R}))', "dead letters")],
    "ops", 12, y)); y += 8
for i, x in enumerate(p):
    x["id"] = i + 1


def var(name, query):
    return {"name": name, "type": "query", "label": name, "datasource": DS,
            "query": {"query": query, "refId": name}, "definition": query,
            "includeAll": True, "allValue": ".*", "multi": True,
            "current": {"text": "All", "value": "$__all"},
            "refresh": 2, "sort": 1}


d = {"uid": "fpsensor-overview", "title": "fpsensor", "tags": ["fpsensor"],
     "editable": False, "schemaVersion": 39, "version": 1,
     "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
     "timezone": "utc",
     "templating": {"list": [
         {"name": "datasource", "type": "datasource", "query": "prometheus",
          "label": "Prometheus", "current": {}},
         var("region", "label_values(fpsensor_build_info, region)"),
         var("track", "label_values(fpsensor_build_info, track)")]},
     "annotations": {"list": []}, "panels": p}
print(json.dumps(d, indent=2))
