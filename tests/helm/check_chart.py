#!/usr/bin/python3
"""Checks the rendered Helm chart against the deployment topology.

The expected topology below is written out from ../shared/ARCHITECTURE.md
by hand, independently of the chart's templates, so a template that drifts
from the design fails here. Reads the manifests `helm template` rendered:

  --default FILE           default values
  --pipeline-off FILE      --set pipelineEnabled=false
  --custom FILE            another namespace, existing Secrets and other
                           hosts (the flags are in tests/integration/
                           test_helm.sh; CUSTOM_* below must match them)
  --notes FILE             NOTES.txt rendered (optional)
  --config-c FILE          src/lib/config.c: the settings the binary reads
  --trino-catalog DIR      infra/trino/catalog
  --dockerfile FILE        infra/docker/Dockerfile
  --binary FILE            bin/stonks, to match its libraries with the
                           image's packages (optional)

Prints one line per check and ends with "N passed, N failed"; exits 1 on
any failure. Needs Debian's python3-yaml (run with /usr/bin/python3).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys

import yaml

NAMESPACE = "stonks-oracle"

# service: (replicas, is an HTTP API, scaled by pipelineEnabled, Secrets).
STONKS = {
    "query-api": (1, True, False, {"core"}),
    "symbol-registry": (1, True, False, {"core"}),
    "trading-engine": (1, True, False, {"core", "broker", "gmail"}),
    "risk-engine": (1, True, False, {"core", "broker"}),
    "broker-adapter": (1, False, True, {"core", "broker"}),
    "scheduler": (1, False, True, {"core"}),
    "ingestion": (2, False, True, {"core", "broker", "market"}),
    "parser": (2, False, True, {"core"}),
    "extractor": (1, False, True, {"core"}),
    "aggregation": (4, False, True, {"core"}),
    "recommendation": (1, False, True, {"core"}),
    "lake-publisher": (1, False, True, {"core"}),
}
HTTP_PORT = 8000
# Workloads that are not the stonks binary: (port, replicas).
OTHERS = {
    "dashboard": (8080, 1),
    "hive-metastore": (9083, 1),
    "trino": (8080, 1),
    "superset": (8088, 1),
}
PIPELINE = {n for n, s in STONKS.items() if s[2]}
APIS = {n for n, s in STONKS.items() if s[1]}
THIRD_PARTY = {"hive-metastore", "trino", "superset"}

SECRETS = {
    "core": (
        "stonks-core-secrets",
        # API_TOKENS is ours: the APIs' bearer tokens are a secret too, and
        # every app service already reads this Secret (see the chart README).
        {
            "POSTGRES_PASSWORD",
            "MINIO_ACCESS_KEY",
            "MINIO_SECRET_KEY",
            "REDIS_PASSWORD",
            "API_TOKENS",
        },
        set(STONKS) | THIRD_PARTY,
    ),
    "broker": (
        "stonks-broker-secrets",
        {"BROKER_API_KEY", "BROKER_API_SECRET", "BROKER_BASE_URL"},
        {"ingestion", "trading-engine", "risk-engine", "broker-adapter"},
    ),
    "market": (
        "stonks-market-secrets",
        {"MARKET_DATA_API_KEY"},
        {"ingestion"},
    ),
    "gmail": (
        "stonks-gmail-secrets",
        {"GMAIL_SENDER", "GMAIL_RECIPIENT", "GMAIL_APP_PASSWORD"},
        {"trading-engine"},
    ),
    "dashboard": (
        "stonks-dashboard-secrets",
        {"SUPERSET_SECRET_KEY", "SUPERSET_ADMIN_PASSWORD"},
        {"superset"},
    ),
}
SECRET_KEYS = set().union(*(keys for _, keys, _ in SECRETS.values()))
CONFIGMAP = "stonks-config"
CONFIGMAP_READERS = set(STONKS) | {"superset"}

# Cross-namespace DNS defaults of the ConfigMap.
DNS_DEFAULTS = {
    "POSTGRES_HOST": "postgresql-rw.postgresql-service.svc.cluster.local",
    "POSTGRES_PORT": "5432",
    "REDIS_HOST": "redis-master.redis-service.svc.cluster.local",
    "REDIS_PORT": "6379",
    "S3_ENDPOINT": "http://minio.minio-service.svc.cluster.local:80",
    "OLLAMA_URL": "http://ollama.ollama-service.svc.cluster.local:11434",
    "TRINO_URL": "http://trino:8080",
    "HIVE_METASTORE_URI": "thrift://hive-metastore:9083",
    "HTTP_BIND": "0.0.0.0",
    "HTTP_PORT": "8000",
}

# Who may reach whom: ("ns", namespace) or ("pod", workload), on a port.
KUBE_SYSTEM = ("ns", "kube-system")


def _peers(port, *peers):
    return {(kind, name, ("TCP", port)) for kind, name in peers}


INGRESS_ALLOWED = {
    "dashboard": _peers(8080, KUBE_SYSTEM),
    "query-api": _peers(8000, KUBE_SYSTEM, ("pod", "dashboard")),
    "symbol-registry": _peers(8000, KUBE_SYSTEM, ("pod", "dashboard")),
    "trading-engine": _peers(
        8000, KUBE_SYSTEM, ("pod", "query-api"), ("pod", "dashboard")
    ),
    "risk-engine": _peers(
        8000,
        ("pod", "broker-adapter"),
        ("pod", "query-api"),
        ("pod", "dashboard"),
    ),
    "superset": _peers(8088, KUBE_SYSTEM),
    "trino": _peers(
        8080, ("pod", "superset"), ("pod", "query-api"), KUBE_SYSTEM
    ),
    "hive-metastore": _peers(
        9083, ("pod", "trino"), ("pod", "lake-publisher")
    ),
}
# trading-engine's egress: PostgreSQL, Redis, HTTPS, SMTP and DNS only.
TRADING_EGRESS = {
    ("ns", "postgresql-service", ("TCP", 5432)),
    ("ns", "redis-service", ("TCP", 6379)),
    ("any", "", ("TCP", 443)),
    ("any", "", ("TCP", 587)),
    ("any", "", ("UDP", 53)),
    ("any", "", ("TCP", 53)),
}

INGRESS_HOSTS = {
    "dashboard": 8080,
    "query-api": 8000,
    "symbol-registry": 8000,
    "trading-engine": 8000,
    "superset": 8088,
    "trino": 8080,
}
ISSUER = "ca-issuer"

# The custom render (tests/integration/test_helm.sh).
CUSTOM_NAMESPACE = "oracle-custom"
CUSTOM_SECRET = "custom-{}"  # existingSecret of secrets.<id>
CUSTOM_HOST = "{}.oracle.test"
CUSTOM_TLS = "{}-custom-tls"

RUNTIME_PACKAGES = {
    "libpq5",
    "libhiredis0.14",
    "libjansson4",
    "libmicrohttpd12",
    "libcurl4",
    "libxml2",
    "ca-certificates",
    # DuckDB's C++ library, loaded at run time by the lake code.
    "libstdc++6",
}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print("  ok: " + what)
        else:
            self.failed += 1
            print("  FAIL: " + what + (": " + detail if detail else ""))
        return ok

    def equal(self, what, expected, actual):
        return self.check(
            what, expected == actual, "expected %r, got %r" % (expected, actual)
        )

    @staticmethod
    def note(text):
        print("  note: " + text)


def load(path):
    with open(path) as f:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        docs = [d for d in yaml.load_all(f, Loader=loader) if d]
    return docs


def index(docs):
    out = {}
    for d in docs:
        out.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    return out


def pod_spec(deploy):
    return deploy["spec"]["template"]["spec"]


def all_containers(deploy):
    spec = pod_spec(deploy)
    return spec.get("initContainers", []) + spec["containers"]


def secret_refs(container):
    names = set()
    for ef in container.get("envFrom", []):
        if "secretRef" in ef:
            names.add(ef["secretRef"]["name"])
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            names.add(ref["name"])
    return names


def configmap_refs(container):
    names = set()
    for ef in container.get("envFrom", []):
        if "configMapRef" in ef:
            names.add(ef["configMapRef"]["name"])
    for e in container.get("env", []):
        ref = e.get("valueFrom", {}).get("configMapKeyRef")
        if ref:
            names.add(ref["name"])
    return names


def selects(selector, labels):
    if selector.get("matchExpressions"):
        raise ValueError("matchExpressions are not modelled by this checker")
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def container_port(container, ref):
    """Resolves a probe's port (a number or a port name)."""
    if isinstance(ref, int):
        return ref
    for p in container.get("ports", []):
        if p.get("name") == ref:
            return p["containerPort"]
    return None


def effective_security(deploy, container):
    pod = pod_spec(deploy).get("securityContext", {})
    ctr = container.get("securityContext", {})
    return {
        "runAsNonRoot": ctr.get("runAsNonRoot", pod.get("runAsNonRoot")),
        "runAsUser": ctr.get("runAsUser", pod.get("runAsUser")),
        "readOnlyRootFilesystem": ctr.get("readOnlyRootFilesystem"),
        "allowPrivilegeEscalation": ctr.get("allowPrivilegeEscalation"),
        "drop": set(ctr.get("capabilities", {}).get("drop", [])),
    }


def tmp_is_emptydir(deploy, container):
    volumes = {v["name"]: v for v in pod_spec(deploy).get("volumes", [])}
    for m in container.get("volumeMounts", []):
        if m["mountPath"] == "/tmp":
            return "emptyDir" in volumes.get(m["name"], {})
    return False


def parse_config_c(path):
    """Settings of config_table: name -> is marked '(secret)'."""
    text = open(path).read()
    table = text[text.index("config_table[]") :]
    table = table[: table.index("};")]
    settings = {}
    for m in re.finditer(r'\{"([A-Z][A-Z0-9_]*)",\s*SET_\w+,(.*?)\},', table, re.S):
        settings[m.group(1)] = "(secret)" in m.group(2)
    return settings


# --- checks ---------------------------------------------------------------


def check_namespace(c, docs, namespace, label):
    wrong = sorted(
        "%s/%s" % (d["kind"], d["metadata"]["name"])
        for d in docs
        if d["kind"] != "Namespace" and d["metadata"].get("namespace") != namespace
    )
    c.check(
        "%s: every object is in namespace %s" % (label, namespace),
        not wrong,
        "outside: %s" % ", ".join(wrong),
    )


def check_workloads(c, k):
    deploys = k.get("Deployment", {})
    c.equal(
        "workloads: one Deployment per service and third-party component",
        sorted(set(STONKS) | set(OTHERS)),
        sorted(deploys),
    )
    for name, d in sorted(deploys.items()):
        tpl_labels = d["spec"]["template"]["metadata"]["labels"]
        c.check(
            "%s: selector matches its pod labels" % name,
            selects(d["spec"]["selector"], tpl_labels),
        )


def check_stonks_service(c, k, name, grace_floor_s):
    replicas, is_api, _, secrets = STONKS[name]
    d = k["Deployment"].get(name)
    if not c.check("%s: Deployment exists" % name, d is not None):
        return
    spec = pod_spec(d)
    c.equal("%s: replicas" % name, replicas, d["spec"]["replicas"])
    main = spec["containers"]
    c.equal("%s: one container" % name, 1, len(main))
    ctr = main[0]
    c.equal(
        "%s: runs `stonks %s`" % (name, name),
        ["stonks", name],
        ctr.get("command", []) + ctr.get("args", []),
    )
    ports = [(p.get("name"), p["containerPort"]) for p in ctr.get("ports", [])]
    c.equal("%s: listens on http %d" % (name, HTTP_PORT), [("http", HTTP_PORT)], ports)

    for probe, path in (
        ("livenessProbe", "/health"),
        ("readinessProbe", "/docs" if is_api else "/ready"),
    ):
        p = ctr.get(probe, {}).get("httpGet", {})
        c.equal(
            "%s: %s GET %s on %d" % (name, probe, path, HTTP_PORT),
            (path, HTTP_PORT),
            (p.get("path"), container_port(ctr, p.get("port"))),
        )

    for x in all_containers(d):
        cname = "%s/%s" % (name, x["name"])
        expected = {SECRETS[s][0] for s in secrets}
        c.equal("%s: reads Secrets" % cname, sorted(expected), sorted(secret_refs(x)))
        c.equal("%s: reads ConfigMap" % cname, [CONFIGMAP], sorted(configmap_refs(x)))
        sec = effective_security(d, x)
        c.check(
            "%s: non-root, read-only root, no privilege escalation, drops ALL"
            % cname,
            sec["runAsNonRoot"] is True
            and sec["runAsUser"] not in (None, 0)
            and sec["readOnlyRootFilesystem"] is True
            and sec["allowPrivilegeEscalation"] is False
            and "ALL" in sec["drop"],
            repr(sec),
        )
        c.check("%s: /tmp is an emptyDir" % cname, tmp_is_emptydir(d, x))
        res = x.get("resources", {})
        c.check(
            "%s: cpu and memory requests, memory limit" % cname,
            {"cpu", "memory"} <= set(res.get("requests", {}))
            and "memory" in res.get("limits", {}),
            repr(res),
        )

    grace = spec.get("terminationGracePeriodSeconds", 30)
    c.check(
        "%s: terminationGracePeriodSeconds %s > job visibility timeout %ss"
        % (name, grace, grace_floor_s),
        grace > grace_floor_s,
    )
    c.check(
        "%s: no service account token" % name,
        spec.get("automountServiceAccountToken") is False,
    )

    inits = spec.get("initContainers", [])
    expected_inits = [["stonks", "migrate"], ["stonks", "seed"]] if name == "scheduler" else []
    c.equal(
        "%s: init containers" % name,
        expected_inits,
        [x.get("command", []) + x.get("args", []) for x in inits],
    )


def check_others(c, k):
    deploys = k["Deployment"]
    for name, (port, replicas) in sorted(OTHERS.items()):
        d = deploys.get(name)
        if not c.check("%s: Deployment exists" % name, d is not None):
            continue
        c.equal("%s: replicas" % name, replicas, d["spec"]["replicas"])
        ctr = pod_spec(d)["containers"][0]
        c.check(
            "%s: listens on %d" % (name, port),
            port in [p["containerPort"] for p in ctr.get("ports", [])],
        )
        for probe in ("livenessProbe", "readinessProbe"):
            c.check("%s: has a %s" % (name, probe), probe in ctr)
        secrets = {s[0] for s in SECRETS.values() if name in s[2]}
        readers = set()
        maps = set()
        for x in all_containers(d):
            readers |= secret_refs(x)
            maps |= configmap_refs(x)
        c.equal("%s: reads Secrets" % name, sorted(secrets), sorted(readers))
        c.equal(
            "%s: reads ConfigMap stonks-config" % name,
            name in CONFIGMAP_READERS,
            CONFIGMAP in maps,
        )
        for x in all_containers(d):
            sec = effective_security(d, x)
            c.check(
                "%s/%s: non-root, no privilege escalation, drops ALL"
                % (name, x["name"]),
                sec["runAsNonRoot"] is True
                and sec["allowPrivilegeEscalation"] is False
                and "ALL" in sec["drop"],
                repr(sec),
            )


def check_dashboard(c, k):
    d = k["Deployment"]["dashboard"]
    ctr = pod_spec(d)["containers"][0]
    sec = effective_security(d, ctr)
    c.check(
        "dashboard: read-only root filesystem, /tmp an emptyDir",
        sec["readOnlyRootFilesystem"] is True and tmp_is_emptydir(d, ctr),
    )
    env = {e["name"]: e.get("value") for e in ctr.get("env", [])}
    conf = k["ConfigMap"].get("dashboard-nginx", {}).get("data", {})
    template = conf.get("stonks.conf.template", "")
    repo_template = open(
        os.path.join(ROOT, "infra/nginx/stonks.conf.template")
    ).read()
    c.check(
        "dashboard: nginx server block is infra/nginx/stonks.conf.template",
        template.strip() == repo_template.strip(),
    )
    mounts = {m["mountPath"] for m in ctr.get("volumeMounts", [])}
    c.check(
        "dashboard: template mounted in /etc/nginx/templates, conf.d writable",
        {"/etc/nginx/templates", "/etc/nginx/conf.d"} <= mounts,
    )
    c.equal("dashboard: listens on 8080", "8080", env.get("STONKS_DASHBOARD_LISTEN"))
    for prefix, var, target in (
        ("/api/", "STONKS_QUERY_API_UPSTREAM", "query-api:8000"),
        ("/registry/", "STONKS_REGISTRY_UPSTREAM", "symbol-registry:8000"),
        ("/risk/", "STONKS_RISK_UPSTREAM", "risk-engine:8000"),
    ):
        block = re.search(
            r"location %s \{[^}]*proxy_pass http://\$\{%s\}/;" % (re.escape(prefix), var),
            template,
        )
        c.check(
            "dashboard: proxies %s -> %s" % (prefix, target),
            block is not None and env.get(var) == target,
            "%s=%r" % (var, env.get(var)),
        )
    # The risk-engine's POST /check needs no token on a stack without
    # API_TOKENS and can trip the kill switch: the dashboard's proxy
    # passes its reads only.
    risk = re.search(r"location /risk/ \{((?:[^{}]|\{[^{}]*\})*)\}", template)
    c.check(
        "dashboard: /risk/ passes GET (and HEAD) only",
        risk is not None
        and re.search(r"limit_except GET \{\s*deny all;\s*\}", risk.group(1))
        is not None,
    )


def check_services(c, k):
    svcs = k.get("Service", {})
    expected = {n: HTTP_PORT for n in APIS}
    expected.update({n: p for n, (p, _) in OTHERS.items()})
    c.equal(
        "services: exactly the HTTP workloads (no Service for workers)",
        sorted(expected),
        sorted(svcs),
    )
    for name, port in sorted(expected.items()):
        s = svcs.get(name)
        d = k["Deployment"].get(name)
        if s is None or d is None:
            continue
        ports = s["spec"]["ports"]
        ctr = pod_spec(d)["containers"][0]
        target = container_port(ctr, ports[0].get("targetPort")) if ports else None
        c.check(
            "%s: Service port %d -> container port %d" % (name, port, port),
            len(ports) == 1 and ports[0]["port"] == port and target == port,
            repr(ports),
        )
        c.check(
            "%s: Service selects its pods" % name,
            selects({"matchLabels": s["spec"]["selector"]},
                    d["spec"]["template"]["metadata"]["labels"]),
        )


def check_configmap(c, k, settings):
    cm = k.get("ConfigMap", {}).get(CONFIGMAP)
    if not c.check("ConfigMap %s exists" % CONFIGMAP, cm is not None):
        return {}
    data = cm.get("data", {})
    marked_secret = {n for n, s in settings.items() if s}
    unplaced = sorted(marked_secret - SECRET_KEYS)
    c.check(
        "config.c: every setting marked (secret) is in one of the five Secrets",
        not unplaced,
        "not in any Secret: %s" % ", ".join(unplaced),
    )
    wanted = sorted(n for n in settings if n not in SECRET_KEYS)
    missing = [n for n in wanted if n not in data]
    c.check(
        "ConfigMap: all %d non-secret settings of src/lib/config.c" % len(wanted),
        not missing,
        "missing (add them to the config: block of values.yaml): %s"
        % ", ".join(missing),
    )
    leaked = sorted(set(data) & SECRET_KEYS)
    c.check("ConfigMap: holds no secret", not leaked, ", ".join(leaked))
    c.check(
        "ConfigMap: every value is a string",
        all(isinstance(v, str) for v in data.values()),
    )
    for name, value in DNS_DEFAULTS.items():
        c.equal("ConfigMap: %s default" % name, value, data.get(name))
    extra = sorted(set(data) - set(settings))
    if extra:
        Checker.note(
            "ConfigMap keys src/lib/config.c does not read (yet): "
            + ", ".join(extra)
        )
    return data


def check_secrets(c, k, names):
    rendered = k.get("Secret", {})
    c.equal(
        "Secrets: exactly the five",
        sorted(v[0] for v in SECRETS.values()),
        sorted(rendered),
    )
    for sid, (name, keys, _) in sorted(SECRETS.items()):
        s = rendered.get(name)
        if s is None:
            continue
        got = set(s.get("stringData", {})) | set(s.get("data", {}))
        c.equal("%s: keys" % name, sorted(keys), sorted(got))
    check_secret_consumers(c, k, names)


def check_secret_consumers(c, k, names):
    """names: secret id -> the Secret name consumers must read."""
    readers = {}
    for dname, d in k["Deployment"].items():
        for x in all_containers(d):
            for s in secret_refs(x):
                readers.setdefault(s, set()).add(dname)
    for sid, (_, _, consumers) in sorted(SECRETS.items()):
        name = names[sid]
        c.equal(
            "%s: read by" % name, sorted(consumers), sorted(readers.get(name, ()))
        )
    known = set(names.values())
    stray = sorted(set(readers) - known)
    c.check("no workload reads any other Secret", not stray, ", ".join(stray))


def check_configmap_readers(c, k):
    readers = set()
    for dname, d in k["Deployment"].items():
        if any(CONFIGMAP in configmap_refs(x) for x in all_containers(d)):
            readers.add(dname)
    c.equal(
        "ConfigMap %s: read by" % CONFIGMAP, sorted(CONFIGMAP_READERS), sorted(readers)
    )


def rule_ports(rule):
    ports = rule.get("ports") or [None]
    out = []
    for p in ports:
        if p is None:
            out.append(("any", "any"))
        else:
            out.append((p.get("protocol", "TCP"), p.get("port")))
    return out


def resolve_peers(c, peers, workloads, what):
    """Peers of a rule as ('ns', name) / ('pod', workload) / ('any', '')."""
    if not peers:
        return [("any", "")]
    out = []
    for peer in peers:
        if "ipBlock" in peer:
            out.append(("ip", peer["ipBlock"]["cidr"]))
            continue
        ns = peer.get("namespaceSelector")
        pods = peer.get("podSelector")
        if ns is not None and pods is None:
            labels = ns.get("matchLabels", {})
            out.append(("ns", labels.get("kubernetes.io/metadata.name", repr(ns))))
        elif pods is not None and ns is None:
            hit = [w for w, l in workloads.items() if selects(pods, l)]
            if not hit:
                c.check("%s: pod peer selects a workload" % what, False, repr(pods))
            out += [("pod", w) for w in hit]
        else:
            out.append(("other", repr(peer)))
    return out


def check_network_policies(c, k):
    pols = k.get("NetworkPolicy", {})
    workloads = {
        n: d["spec"]["template"]["metadata"]["labels"]
        for n, d in k["Deployment"].items()
    }
    deny = pols.get("default-deny-ingress")
    c.check(
        "NetworkPolicy default-deny-ingress: every pod, ingress, no rule",
        deny is not None
        and deny["spec"].get("podSelector") in ({}, None)
        and deny["spec"].get("policyTypes") == ["Ingress"]
        and not deny["spec"].get("ingress"),
    )
    ba = [
        p
        for n, p in pols.items()
        if n != "default-deny-ingress"
        and selects(p["spec"]["podSelector"], workloads["broker-adapter"])
    ]
    c.check(
        "NetworkPolicy: broker-adapter has its own deny-all (ingress, no rule)",
        len(ba) == 1
        and ba[0]["spec"].get("policyTypes") == ["Ingress"]
        and not ba[0]["spec"].get("ingress"),
        ", ".join(p["metadata"]["name"] for p in ba),
    )

    for w, labels in sorted(workloads.items()):
        ingress, egress = set(), set()
        isolated_in = isolated_out = False
        for pname, p in pols.items():
            spec = p["spec"]
            if not selects(spec.get("podSelector", {}), labels):
                continue
            types = spec.get("policyTypes", ["Ingress"])
            what = "NetworkPolicy %s" % pname
            if "Ingress" in types:
                isolated_in = True
                for rule in spec.get("ingress") or []:
                    for peer in resolve_peers(c, rule.get("from"), workloads, what):
                        for port in rule_ports(rule):
                            ingress.add(peer + (port,))
            if "Egress" in types:
                isolated_out = True
                for rule in spec.get("egress") or []:
                    for peer in resolve_peers(c, rule.get("to"), workloads, what):
                        for port in rule_ports(rule):
                            egress.add(peer + (port,))
        c.check("%s: ingress is denied by default" % w, isolated_in)
        c.equal(
            "%s: ingress admitted from" % w,
            sorted(INGRESS_ALLOWED.get(w, set())),
            sorted(ingress),
        )
        if w == "trading-engine":
            c.check("trading-engine: egress restricted", isolated_out)
            c.equal("trading-engine: egress only to", sorted(TRADING_EGRESS), sorted(egress))
        else:
            c.check("%s: egress not restricted" % w, not isolated_out)


def check_ingresses(c, k, hosts=None, tls=None):
    ings = k.get("Ingress", {})
    c.equal("Ingresses: exactly the six hosts", sorted(INGRESS_HOSTS), sorted(ings))
    secrets = []
    for name, port in sorted(INGRESS_HOSTS.items()):
        ing = ings.get(name)
        if ing is None:
            continue
        spec = ing["spec"]
        ann = ing["metadata"].get("annotations", {})
        rules = spec.get("rules", [])
        host = rules[0].get("host") if len(rules) == 1 else None
        paths = rules[0]["http"]["paths"] if host else []
        backend = paths[0]["backend"]["service"] if len(paths) == 1 else {}
        t = spec.get("tls", [])
        c.check(
            "%s: Ingress class traefik, cert-manager %s" % (name, ISSUER),
            spec.get("ingressClassName") == "traefik"
            and ann.get("cert-manager.io/cluster-issuer") == ISSUER,
        )
        c.check(
            "%s: host %s -> Service %s:%d" % (name, host, name, port),
            bool(host)
            and backend.get("name") == name
            and backend.get("port", {}).get("number") == port
            and (hosts is None or host == hosts(name)),
        )
        ok = len(t) == 1 and t[0].get("hosts") == [host] and t[0].get("secretName")
        if tls is not None:
            ok = ok and t[0].get("secretName") == tls(name)
        c.check(
            "%s: one TLS secret %s for its host" % (name, t[0].get("secretName") if t else None),
            bool(ok),
        )
        if t:
            secrets.append(t[0].get("secretName"))
    c.check("Ingresses: a TLS secret of their own each", len(set(secrets)) == len(secrets))


def check_analytics(c, k, catalog_dir):
    hive = k["Deployment"].get("hive-metastore")
    if hive:
        spec = pod_spec(hive)
        ctr = spec["containers"][0]
        env = {e["name"]: e.get("value") for e in ctr.get("env", [])}
        c.equal("hive-metastore: image", "apache/hive:4.0.0", ctr["image"])
        c.equal("hive-metastore: runs the metastore on Derby",
                ("metastore", "derby"), (env.get("SERVICE_NAME"), env.get("DB_DRIVER")))
        c.equal("hive-metastore: Recreate (one Derby process)",
                "Recreate", hive["spec"].get("strategy", {}).get("type"))
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        pvc_mounts = [
            m["mountPath"]
            for m in ctr.get("volumeMounts", [])
            if "persistentVolumeClaim" in vols.get(m["name"], {})
        ]
        site = k["ConfigMap"].get("hive-metastore-config", {}).get("data", {}).get(
            "hive-site.xml", ""
        )
        url = re.search(r"jdbc:derby:;databaseName=([^;<]+)", site)
        c.check(
            "hive-metastore: Derby database on the PVC",
            url is not None and any(url.group(1).startswith(p + "/") for p in pvc_mounts),
            "db %s, PVC at %s" % (url.group(1) if url else None, pvc_mounts),
        )
        c.check("hive-metastore: S3A on MinIO, path-style",
                "<name>fs.s3a.path.style.access</name>\n    <value>true</value>" in site
                or re.search(r"fs\.s3a\.path\.style\.access</name>\s*<value>true", site) is not None)

    cat = k["ConfigMap"].get("trino-catalog", {}).get("data", {})
    files = sorted(f for f in os.listdir(catalog_dir) if f.endswith(".properties"))
    c.equal("trino: a catalog for every file in infra/trino/catalog", files, sorted(cat))
    for f in files:
        c.check(
            "trino: catalog %s is the repo's file" % f,
            cat.get(f, "").strip() == open(os.path.join(catalog_dir, f)).read().strip(),
        )
    lake = props(cat.get("lakehouse.properties", ""))
    c.check(
        "trino: lakehouse = hive connector on thrift://hive-metastore:9083, S3 path-style",
        lake.get("connector.name") == "hive"
        and lake.get("hive.metastore.uri") == "thrift://hive-metastore:9083"
        and lake.get("s3.path-style-access") == "true",
        repr(lake),
    )
    ice = props(cat.get("iceberg.properties", ""))
    c.check(
        "trino: iceberg catalog on the same metastore",
        ice.get("connector.name") == "iceberg"
        and ice.get("hive.metastore.uri") == "thrift://hive-metastore:9083",
    )
    trino = k["Deployment"].get("trino")
    if trino:
        ctr = pod_spec(trino)["containers"][0]
        env = {e["name"] for e in ctr.get("env", [])}
        needed = set()
        for text in cat.values():
            needed |= set(re.findall(r"\$\{ENV:([A-Z0-9_]+)\}", text))
        from_secret = SECRETS["core"][1]
        c.check(
            "trino: the pod's environment has every ${ENV:...} of its catalogs",
            needed <= env | from_secret,
            "missing %s" % sorted(needed - env - from_secret),
        )

    ss = k["Deployment"].get("superset")
    if ss:
        ctr = pod_spec(ss)["containers"][0]
        env = {e["name"]: e.get("value") for e in ctr.get("env", [])}
        conf = k["ConfigMap"].get("superset-config", {}).get("data", {})
        c.check(
            "superset: config file mounted and named by SUPERSET_CONFIG_PATH",
            "superset_config.py" in conf
            and env.get("SUPERSET_CONFIG_PATH") == "/etc/superset/superset_config.py",
        )
        c.check(
            "superset: connection to Trino's lakehouse catalog",
            (env.get("SUPERSET_TRINO_URI") or "").startswith("trino://")
            and "@trino:8080/lakehouse" in env.get("SUPERSET_TRINO_URI", ""),
            repr(env.get("SUPERSET_TRINO_URI")),
        )


def props(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def check_toggle(c, on, off):
    for name in sorted(set(on["Deployment"]) | set(off["Deployment"])):
        a = on["Deployment"].get(name, {}).get("spec", {}).get("replicas")
        b = off["Deployment"].get(name, {}).get("spec", {}).get("replicas")
        if name in PIPELINE:
            c.check("pipelineEnabled=false: %s %s -> 0" % (name, a), b == 0 and a > 0)
        else:
            c.check("pipelineEnabled=false: %s stays at %s" % (name, a), a == b and a > 0)
    def without_replicas(docs):
        out = []
        for kind, ds in docs.items():
            for d in ds.values():
                if kind == "Deployment":
                    d = dict(d, spec=dict(d["spec"], replicas=None))
                out.append(d)
        return out

    rest_on = without_replicas(on)
    rest_off = without_replicas(off)
    c.check(
        "pipelineEnabled=false: nothing else changes",
        sorted(map(repr, rest_on)) == sorted(map(repr, rest_off)),
    )


def check_custom(c, docs):
    k = index(docs)
    check_namespace(c, docs, CUSTOM_NAMESPACE, "custom")
    c.equal("custom: existing Secrets are not rendered", [], sorted(k.get("Secret", {})))
    check_secret_consumers(
        c, k, {sid: CUSTOM_SECRET.format(sid) for sid in SECRETS}
    )
    check_ingresses(
        c,
        k,
        hosts=lambda n: CUSTOM_HOST.format(n),
        tls=lambda n: CUSTOM_TLS.format(n),
    )


def check_notes(c, path):
    text = open(path).read()
    c.check("NOTES: says kubelet probes are not subject to NetworkPolicy",
            "Kubelet probes" in text and "NetworkPolicy" in text)
    c.check("NOTES: warns about empty secret values",
            "stonks-core-secrets/POSTGRES_PASSWORD" in text)


# --- the Dockerfile --------------------------------------------------------


def dockerfile_stages(path):
    """Stages as (name, image, [instruction lines]), ARG defaults applied."""
    args, stages = {}, []
    text = re.sub(r"\\\n", " ", open(path).read())
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "ARG" and not stages and "=" in rest:
            key, value = rest.split("=", 1)
            args[key.strip()] = value.strip()
        elif word == "FROM":
            parts = rest.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), parts[0])
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else ""
            stages.append((name, image, []))
        elif stages:
            stages[-1][2].append((word, rest))
    return stages


def apt_packages(instructions):
    pkgs = set()
    for word, rest in instructions:
        if word != "RUN" or "apt-get install" not in rest:
            continue
        for cmd in rest.split("&&"):
            if "apt-get install" in cmd:
                pkgs |= {t for t in shlex.split(cmd) if not t.startswith("-")} - {
                    "apt-get",
                    "install",
                }
    return pkgs


def check_dockerfile(c, path, binary, configmap):
    stages = dockerfile_stages(path)
    names = [s[0] for s in stages]
    c.check(
        "Dockerfile: every stage on Debian bookworm",
        all("bookworm" in image for _, image, _ in stages),
        ", ".join(image for _, image, _ in stages),
    )
    c.check(
        "Dockerfile: the runtime image is the last (default) stage",
        names and names[-1] == "runtime",
        repr(names),
    )
    by_name = {s[0]: s for s in stages}
    build = by_name.get("build", ("", "", []))
    c.check(
        "Dockerfile: build stage runs `make ... bin/stonks`",
        any(w == "RUN" and re.search(r"\bmake\b.*\bbin/stonks\b", r) for w, r in build[2]),
    )
    runtime = by_name.get("runtime", ("", "", []))
    pkgs = apt_packages(runtime[2])
    c.equal("Dockerfile: runtime installs only the shared libraries", sorted(RUNTIME_PACKAGES), sorted(pkgs))
    users = [r for w, r in runtime[2] if w == "USER"]
    c.check(
        "Dockerfile: runtime runs as a numeric non-root user",
        bool(users) and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1]) is not None,
        repr(users),
    )
    copies = {}
    for w, r in runtime[2]:
        if w == "COPY" and "--from" not in r:
            src, dst = r.split()[-2:]
            copies[src.rstrip("/")] = dst.rstrip("/")
    for src in ("db/migrations", "data/watchlist.csv", "data/model", "data/replay"):
        c.check(
            "Dockerfile: runtime carries %s (it exists in the repo)" % src,
            src in copies and os.path.exists(os.path.join(ROOT, src)),
        )
    for key in ("MIGRATIONS_DIR", "WATCHLIST_FILE", "STONKS_MODEL_PATH", "REPLAY_DIR"):
        value = configmap.get(key, "")
        c.check(
            "ConfigMap %s=%s is inside the image" % (key, value),
            any(value == d or value.startswith(d + "/") for d in copies.values()),
        )
    for key in ("STONKS_VAR_DIR", "OBJECT_STORE_DIR"):
        value = configmap.get(key, "")
        c.check("ConfigMap %s=%s is under /tmp (the writable emptyDir)" % (key, value),
                value.startswith("/tmp/"))
    dash = by_name.get("dashboard", ("", "", []))
    c.check(
        "Dockerfile: dashboard stage is nginx-unprivileged with the shared template",
        "nginx-unprivileged" in dash[1]
        and any(
            w == "COPY"
            and "infra/nginx/stonks.conf.template" in r
            and "/etc/nginx/templates/" in r
            for w, r in dash[2]
        ),
    )
    if not os.path.exists(os.path.join(ROOT, "web/package.json")):
        Checker.note("web/ does not exist yet: the dashboard target cannot build")

    if binary and os.path.exists(binary):
        check_binary_libraries(c, binary, pkgs)
    else:
        Checker.note("no bin/stonks: its libraries were not matched with the image")


def check_binary_libraries(c, binary, pkgs):
    out = subprocess.run(
        ["readelf", "-d", binary], capture_output=True, text=True, check=True
    ).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    paths = {}
    for lib in needed:
        m = re.search(r"^\s*%s \(.*\) => (\S+)$" % re.escape(lib), cache, re.M)
        if m:
            real = os.path.realpath(m.group(1))
            # Debian's merged /usr: dpkg may know the file under /lib.
            paths[lib] = (real, real.replace("/usr/lib/", "/lib/", 1))
    # One dpkg call for every candidate path: "package: path" per line.
    query = sorted({p for pair in paths.values() for p in pair})
    r = subprocess.run(["dpkg", "-S"] + query, capture_output=True, text=True)
    owners = {}
    for line in r.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        owners[path.strip()] = pkg.split(":")[0]
    for lib in needed:
        owner = next((owners[p] for p in paths.get(lib, ()) if p in owners), None)
        c.check(
            "image: bin/stonks needs %s, from package %s" % (lib, owner),
            owner is not None and (owner in pkgs or owner == "libc6"),
            "add its package to the runtime stage of infra/docker/Dockerfile",
        )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--default", required=True)
    ap.add_argument("--pipeline-off", required=True)
    ap.add_argument("--custom", required=True)
    ap.add_argument("--notes")
    ap.add_argument("--config-c", required=True)
    ap.add_argument("--trino-catalog", required=True)
    ap.add_argument("--dockerfile", required=True)
    ap.add_argument("--binary")
    a = ap.parse_args()

    c = Checker()
    docs = load(a.default)
    k = index(docs)
    settings = parse_config_c(a.config_c)

    print("default values:")
    check_namespace(c, docs, NAMESPACE, "default")
    check_workloads(c, k)
    data = check_configmap(c, k, settings)
    visibility_s = int(data.get("QUEUE_VISIBILITY_TIMEOUT_MS", "30000")) / 1000
    for name in STONKS:
        check_stonks_service(c, k, name, visibility_s)
    check_others(c, k)
    check_dashboard(c, k)
    check_services(c, k)
    check_secrets(c, k, {sid: v[0] for sid, v in SECRETS.items()})
    check_configmap_readers(c, k)
    check_network_policies(c, k)
    check_ingresses(c, k)
    check_analytics(c, k, a.trino_catalog)
    if a.notes:
        check_notes(c, a.notes)

    print("pipelineEnabled=false:")
    off_docs = load(a.pipeline_off)
    check_namespace(c, off_docs, NAMESPACE, "pipeline off")
    check_toggle(c, k, index(off_docs))

    print("another namespace, existing Secrets, other hosts:")
    check_custom(c, load(a.custom))

    print("image:")
    check_dockerfile(c, a.dockerfile, a.binary, data)

    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

if __name__ == "__main__":
    sys.exit(main())
