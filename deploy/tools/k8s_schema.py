"""deploy/tools/k8s_schema.py: JSON Schemas (draft 7) of the Kubernetes and
prometheus-operator objects that deploy/k8s renders, written here from the
API reference for the fields these manifests may use.

They are stricter than the API server in one way on purpose: objects that
the API accepts with any field (container, pod spec, security contexts,
probes, volumes, ...) are closed here (additionalProperties: false), so a
misspelt field (readOnlyRootFileSystem) is an error instead of being
dropped.  A field the manifests start to need is added here.
"""

DNS1123 = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
LABEL_KEY = (r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
             r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
DURATION = r"^([0-9]+(ms|s|m|h|d|w|y))+$"
PORT_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def closed(props, required=()):
    return {"type": "object", "properties": props,
            "required": list(required), "additionalProperties": False}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
STRLIST = {"type": "array", "items": STR}
NAT = {"type": "integer", "minimum": 0}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
INT_OR_NAME = {"oneOf": [PORT, {"type": "string", "pattern": PORT_NAME,
                                "maxLength": 15}]}
INT_OR_PERCENT = {"oneOf": [NAT, {"type": "string",
                                  "pattern": r"^[0-9]+%$"}]}
QTY = {"type": "string", "pattern": QUANTITY}
LABELS = {"type": "object",
          "propertyNames": {"pattern": LABEL_KEY, "maxLength": 316},
          "additionalProperties": {"type": "string", "pattern": LABEL_VALUE,
                                   "maxLength": 63}}
ANNOTATIONS = {"type": "object", "additionalProperties": STR}
NAME = {"type": "string", "pattern": DNS1123, "maxLength": 253}

METADATA = closed({"name": NAME, "namespace": {"type": "string",
                   "pattern": DNS1123_LABEL}, "labels": LABELS,
                   "annotations": ANNOTATIONS}, ["name"])
TEMPLATE_METADATA = closed({"labels": LABELS, "annotations": ANNOTATIONS})

SELECTOR = closed({
    "matchLabels": LABELS,
    "matchExpressions": {"type": "array", "items": closed({
        "key": {"type": "string", "pattern": LABEL_KEY},
        "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
        "values": STRLIST}, ["key", "operator"])}})

RESOURCE_LIST = closed({"cpu": QTY, "memory": QTY,
                        "ephemeral-storage": QTY})
RESOURCES = closed({"requests": RESOURCE_LIST, "limits": RESOURCE_LIST})

SECCOMP = closed({"type": {"enum": ["RuntimeDefault", "Localhost",
                                    "Unconfined"]},
                  "localhostProfile": STR}, ["type"])
CAPS = {"type": "array", "items": {"type": "string",
                                   "pattern": r"^[A-Z][A-Z_]*$"}}
CONTAINER_SECURITY = closed({
    "runAsUser": NAT, "runAsGroup": NAT, "runAsNonRoot": BOOL,
    "privileged": BOOL, "allowPrivilegeEscalation": BOOL,
    "readOnlyRootFilesystem": BOOL, "seccompProfile": SECCOMP,
    "capabilities": closed({"add": CAPS, "drop": CAPS}),
    "procMount": {"enum": ["Default", "Unmasked"]}})
POD_SECURITY = closed({
    "runAsUser": NAT, "runAsGroup": NAT, "runAsNonRoot": BOOL,
    "fsGroup": NAT, "supplementalGroups": {"type": "array", "items": NAT},
    "fsGroupChangePolicy": {"enum": ["OnRootMismatch", "Always"]},
    "seccompProfile": SECCOMP})

PROBE = closed({
    "httpGet": closed({"path": {"type": "string", "pattern": "^/"},
                       "port": INT_OR_NAME,
                       "scheme": {"enum": ["HTTP", "HTTPS"]}},
                      ["port"]),
    "tcpSocket": closed({"port": INT_OR_NAME}, ["port"]),
    "exec": closed({"command": STRLIST}, ["command"]),
    "initialDelaySeconds": NAT, "periodSeconds": {"type": "integer",
                                                  "minimum": 1},
    "timeoutSeconds": {"type": "integer", "minimum": 1},
    "successThreshold": {"type": "integer", "minimum": 1},
    "failureThreshold": {"type": "integer", "minimum": 1},
    "terminationGracePeriodSeconds": NAT})

KEY_REF = closed({"name": NAME, "key": STR, "optional": BOOL},
                 ["name", "key"])
ENV = closed({
    "name": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
    "value": STR,
    "valueFrom": closed({
        "fieldRef": closed({"fieldPath": STR, "apiVersion": STR},
                           ["fieldPath"]),
        "configMapKeyRef": KEY_REF, "secretKeyRef": KEY_REF,
        "resourceFieldRef": closed({"resource": STR, "containerName": STR,
                                    "divisor": QTY}, ["resource"])})},
    ["name"])
CONTAINER = closed({
    "name": {"type": "string", "pattern": DNS1123_LABEL, "maxLength": 63},
    "image": {"type": "string", "minLength": 1},
    "imagePullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
    "command": STRLIST, "args": STRLIST, "workingDir": STR,
    "env": {"type": "array", "items": ENV},
    "ports": {"type": "array", "items": closed({
        "name": {"type": "string", "pattern": PORT_NAME, "maxLength": 15},
        "containerPort": PORT, "hostPort": PORT,
        "protocol": {"enum": ["TCP", "UDP", "SCTP"]}}, ["containerPort"])},
    "resources": RESOURCES, "securityContext": CONTAINER_SECURITY,
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "volumeMounts": {"type": "array", "items": closed({
        "name": STR, "mountPath": {"type": "string", "pattern": "^/"},
        "subPath": STR, "readOnly": BOOL,
        "mountPropagation": {"enum": ["None", "HostToContainer",
                                      "Bidirectional"]}},
        ["name", "mountPath"])},
    "terminationMessagePolicy": {"enum": ["File",
                                          "FallbackToLogsOnError"]}},
    ["name", "image"])

VOLUME_SOURCES = {
    "configMap": closed({"name": NAME, "defaultMode": NAT, "optional": BOOL,
                         "items": {"type": "array"}}, ["name"]),
    "secret": closed({"secretName": NAME, "defaultMode": NAT,
                      "optional": BOOL, "items": {"type": "array"}},
                     ["secretName"]),
    "emptyDir": closed({"medium": {"enum": ["", "Memory"]},
                        "sizeLimit": QTY}),
    "hostPath": closed({"path": {"type": "string", "pattern": "^/"},
                        "type": {"enum": ["", "DirectoryOrCreate",
                                          "Directory", "FileOrCreate",
                                          "File", "Socket", "CharDevice",
                                          "BlockDevice"]}}, ["path"]),
    "persistentVolumeClaim": closed({"claimName": NAME, "readOnly": BOOL},
                                    ["claimName"]),
}
VOLUME = {"type": "object",
          "properties": dict(name={"type": "string",
                                   "pattern": DNS1123_LABEL},
                             **VOLUME_SOURCES),
          "required": ["name"], "additionalProperties": False,
          "minProperties": 2, "maxProperties": 2}

TOLERATION = closed({"key": STR, "operator": {"enum": ["Exists", "Equal"]},
                     "value": STR, "effect": {"enum": [
                         "NoSchedule", "PreferNoSchedule", "NoExecute"]},
                     "tolerationSeconds": INT})
NODE_SELECTOR_TERM = closed({"matchExpressions": {
    "type": "array", "items": closed({
        "key": STR, "operator": {"enum": ["In", "NotIn", "Exists",
                                          "DoesNotExist", "Gt", "Lt"]},
        "values": STRLIST}, ["key", "operator"])}})
AFFINITY = closed({"nodeAffinity": closed({
    "requiredDuringSchedulingIgnoredDuringExecution": closed({
        "nodeSelectorTerms": {"type": "array", "minItems": 1,
                              "items": NODE_SELECTOR_TERM}},
        ["nodeSelectorTerms"])})})

POD_SPEC = closed({
    "serviceAccountName": NAME, "automountServiceAccountToken": BOOL,
    "hostNetwork": BOOL, "hostPID": BOOL, "hostIPC": BOOL,
    "dnsPolicy": {"enum": ["ClusterFirst", "ClusterFirstWithHostNet",
                           "Default", "None"]},
    "priorityClassName": STR, "terminationGracePeriodSeconds": NAT,
    "restartPolicy": {"enum": ["Always", "OnFailure", "Never"]},
    "nodeSelector": {"type": "object", "additionalProperties": STR},
    "tolerations": {"type": "array", "items": TOLERATION},
    "affinity": AFFINITY, "securityContext": POD_SECURITY,
    "topologySpreadConstraints": {"type": "array", "items": closed({
        "maxSkew": {"type": "integer", "minimum": 1}, "topologyKey": STR,
        "whenUnsatisfiable": {"enum": ["DoNotSchedule", "ScheduleAnyway"]},
        "labelSelector": SELECTOR},
        ["maxSkew", "topologyKey", "whenUnsatisfiable"])},
    "initContainers": {"type": "array", "items": CONTAINER},
    "containers": {"type": "array", "minItems": 1, "items": CONTAINER},
    "volumes": {"type": "array", "items": VOLUME}},
    ["containers"])
POD_TEMPLATE = closed({"metadata": TEMPLATE_METADATA, "spec": POD_SPEC},
                      ["metadata", "spec"])


def obj(spec=None, extra=None, required=("spec",)):
    props = {"apiVersion": STR, "kind": STR, "metadata": METADATA}
    if spec is not None:
        props["spec"] = spec
    props.update(extra or {})
    return closed(props, ["apiVersion", "kind", "metadata"] +
                  [r for r in required if r in props])


DAEMONSET = obj(closed({
    "selector": SELECTOR, "template": POD_TEMPLATE,
    "minReadySeconds": NAT, "revisionHistoryLimit": NAT,
    "updateStrategy": closed({
        "type": {"enum": ["RollingUpdate", "OnDelete"]},
        "rollingUpdate": closed({"maxUnavailable": INT_OR_PERCENT,
                                 "maxSurge": INT_OR_PERCENT})})},
    ["selector", "template"]))
DEPLOYMENT = obj(closed({
    "replicas": NAT, "selector": SELECTOR, "template": POD_TEMPLATE,
    "minReadySeconds": NAT, "revisionHistoryLimit": NAT,
    "progressDeadlineSeconds": NAT,
    "strategy": closed({
        "type": {"enum": ["RollingUpdate", "Recreate"]},
        "rollingUpdate": closed({"maxUnavailable": INT_OR_PERCENT,
                                 "maxSurge": INT_OR_PERCENT})})},
    ["selector", "template"]))
CRONJOB = obj(closed({
    "schedule": {"type": "string",
                 "pattern": r"^(@\w+|(\S+\s+){4}\S+)$"},
    "timeZone": STR, "suspend": BOOL,
    "concurrencyPolicy": {"enum": ["Allow", "Forbid", "Replace"]},
    "startingDeadlineSeconds": NAT, "successfulJobsHistoryLimit": NAT,
    "failedJobsHistoryLimit": NAT,
    "jobTemplate": closed({"metadata": TEMPLATE_METADATA, "spec": closed({
        "template": POD_TEMPLATE, "backoffLimit": NAT,
        "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
        "ttlSecondsAfterFinished": NAT, "completions": NAT,
        "parallelism": NAT}, ["template"])}, ["spec"])},
    ["schedule", "jobTemplate"]))
SERVICE = obj(closed({
    "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer",
                      "ExternalName"]},
    "clusterIP": STR, "selector": LABELS,
    "ports": {"type": "array", "minItems": 1, "items": closed({
        "name": {"type": "string", "pattern": PORT_NAME, "maxLength": 15},
        "port": PORT, "targetPort": INT_OR_NAME, "nodePort": PORT,
        "protocol": {"enum": ["TCP", "UDP", "SCTP"]},
        "appProtocol": STR}, ["port"])}}))
METRIC_TARGET = closed({"type": {"enum": ["Utilization", "Value",
                                          "AverageValue"]},
                        "averageUtilization": {"type": "integer",
                                               "minimum": 1},
                        "averageValue": QTY, "value": QTY}, ["type"])
HPA = obj(closed({
    "scaleTargetRef": closed({"apiVersion": STR, "kind": STR, "name": NAME},
                             ["kind", "name"]),
    "minReplicas": {"type": "integer", "minimum": 1},
    "maxReplicas": {"type": "integer", "minimum": 1},
    "metrics": {"type": "array", "items": closed({
        "type": {"enum": ["Resource", "External", "Pods", "Object",
                          "ContainerResource"]},
        "resource": closed({"name": STR, "target": METRIC_TARGET},
                           ["name", "target"]),
        "external": closed({"metric": closed({"name": STR,
                                              "selector": SELECTOR},
                                             ["name"]),
                            "target": METRIC_TARGET},
                           ["metric", "target"])}, ["type"])},
    "behavior": closed({d: closed({
        "stabilizationWindowSeconds": NAT,
        "selectPolicy": {"enum": ["Max", "Min", "Disabled"]},
        "policies": {"type": "array", "items": closed({
            "type": {"enum": ["Pods", "Percent"]},
            "value": {"type": "integer", "minimum": 1},
            "periodSeconds": {"type": "integer", "minimum": 1}},
            ["type", "value", "periodSeconds"])}})
        for d in ("scaleUp", "scaleDown")})},
    ["scaleTargetRef", "maxReplicas"]))
PDB = obj(closed({"minAvailable": INT_OR_PERCENT,
                  "maxUnavailable": INT_OR_PERCENT, "selector": SELECTOR,
                  "unhealthyPodEvictionPolicy": {"enum": [
                      "IfHealthyBudget", "AlwaysAllow"]}}, ["selector"]))
NP_PEER = closed({"podSelector": SELECTOR, "namespaceSelector": SELECTOR,
                  "ipBlock": closed({
                      "cidr": {"type": "string", "pattern":
                               r"^[0-9.]+/[0-9]+$|^[0-9a-fA-F:]+/[0-9]+$"},
                      "except": STRLIST}, ["cidr"])})
NP_PORT = closed({"port": INT_OR_NAME, "endPort": PORT,
                  "protocol": {"enum": ["TCP", "UDP", "SCTP"]}})
NETWORKPOLICY = obj(closed({
    "podSelector": SELECTOR,
    "policyTypes": {"type": "array", "items": {"enum": ["Ingress",
                                                        "Egress"]}},
    "ingress": {"type": "array", "items": closed({
        "from": {"type": "array", "items": NP_PEER},
        "ports": {"type": "array", "items": NP_PORT}})},
    "egress": {"type": "array", "items": closed({
        "to": {"type": "array", "items": NP_PEER},
        "ports": {"type": "array", "items": NP_PORT}})}},
    ["podSelector"]))
CONFIGMAP = obj(extra={"data": {"type": "object",
                                "propertyNames": {"pattern":
                                                  r"^[-._a-zA-Z0-9]+$"},
                                "additionalProperties": STR},
                       "binaryData": {"type": "object"}}, required=())
NAMESPACE = obj(required=())
SERVICEACCOUNT = obj(extra={"automountServiceAccountToken": BOOL},
                     required=())
RELABEL = closed({"sourceLabels": STRLIST, "separator": STR,
                  "targetLabel": STR, "regex": STR, "replacement": STR,
                  "action": {"enum": ["replace", "keep", "drop",
                                      "labelmap", "labeldrop",
                                      "labelkeep", "hashmod"]}})
SERVICEMONITOR = obj(closed({
    "selector": SELECTOR, "jobLabel": STR,
    "namespaceSelector": closed({"any": BOOL, "matchNames": STRLIST}),
    "endpoints": {"type": "array", "minItems": 1, "items": closed({
        "port": STR, "path": STR, "scheme": {"enum": ["http", "https"]},
        "interval": {"type": "string", "pattern": DURATION},
        "scrapeTimeout": {"type": "string", "pattern": DURATION},
        "honorLabels": BOOL,
        "relabelings": {"type": "array", "items": RELABEL},
        "metricRelabelings": {"type": "array", "items": RELABEL}})}},
    ["selector", "endpoints"]))
RULE = {"type": "object", "properties": {
    "alert": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
    "record": {"type": "string", "pattern": r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"},
    "expr": {"type": "string", "minLength": 1},
    "for": {"type": "string", "pattern": DURATION},
    "labels": {"type": "object", "additionalProperties": STR},
    "annotations": {"type": "object", "additionalProperties": STR}},
    "required": ["expr"], "additionalProperties": False,
    "oneOf": [{"required": ["alert"]}, {"required": ["record"]}]}
PROMETHEUSRULE = obj(closed({"groups": {"type": "array", "minItems": 1,
                                        "items": closed({
                                            "name": STR,
                                            "interval": {"type": "string",
                                                         "pattern": DURATION},
                                            "rules": {"type": "array",
                                                      "minItems": 1,
                                                      "items": RULE}},
                                            ["name", "rules"])}},
                            ["groups"]))

PRIORITYCLASS = obj(extra={"value": {"type": "integer",
                                     "maximum": 1000000000},
                           "globalDefault": BOOL, "description": STR,
                           "preemptionPolicy": {"enum": [
                               "PreemptLowerPriority", "Never"]}},
                    required=("value",))

# (apiVersion, kind) -> (schema, namespaced)
KINDS = {
    ("v1", "Namespace"): (NAMESPACE, False),
    ("scheduling.k8s.io/v1", "PriorityClass"): (PRIORITYCLASS, False),
    ("v1", "ServiceAccount"): (SERVICEACCOUNT, True),
    ("v1", "ConfigMap"): (CONFIGMAP, True),
    ("v1", "Service"): (SERVICE, True),
    ("apps/v1", "DaemonSet"): (DAEMONSET, True),
    ("apps/v1", "Deployment"): (DEPLOYMENT, True),
    ("batch/v1", "CronJob"): (CRONJOB, True),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): (HPA, True),
    ("policy/v1", "PodDisruptionBudget"): (PDB, True),
    ("networking.k8s.io/v1", "NetworkPolicy"): (NETWORKPOLICY, True),
    ("monitoring.coreos.com/v1", "ServiceMonitor"): (SERVICEMONITOR, True),
    ("monitoring.coreos.com/v1", "PrometheusRule"): (PROMETHEUSRULE, True),
}
