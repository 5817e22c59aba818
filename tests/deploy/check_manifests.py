#!/usr/bin/env python3
"""Checks deploy/k8s/*.yaml and deploy/container/Dockerfile, which nothing here can run (no
container engine, no Kubernetes): every manifest parses, and the fields that tie them together
agree -- names, labels, ports, the seed, the config path, the user, the image tag -- and the
node configuration in the ConfigMap is accepted by `concord node` (it starts, then stops on
SIGTERM, as the kubelet stops it).

Usage: check_manifests.py SOURCE_DIR CONCORD_BIN
Exit 0: all good; 1: a check failed (each failure printed); 77: PyYAML is not installed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("SKIP: PyYAML is not installed (Debian: python3-yaml)")
    sys.exit(77)

SRC, CONCORD = sys.argv[1], sys.argv[2]
K8S = os.path.join(SRC, "deploy", "k8s")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def load_all():
    docs = {}
    for name in sorted(os.listdir(K8S)):
        if not name.endswith(".yaml"):
            continue
        path = os.path.join(K8S, name)
        with open(path) as f:
            for i, doc in enumerate(yaml.safe_load_all(f)):
                if doc is None:
                    continue
                where = f"deploy/k8s/{name}[{i}]"
                if not check(isinstance(doc, dict) and "kind" in doc and "apiVersion" in doc,
                             f"{where}: no kind/apiVersion"):
                    continue
                if doc["kind"] == "Kustomization":
                    for r in doc.get("resources", []):
                        check(os.path.exists(os.path.join(K8S, r)), f"{where}: resources: {r} does not exist")
                    listed = set(doc.get("resources", []))
                    others = {n for n in os.listdir(K8S) if n.endswith(".yaml") and n != name}
                    check(listed == others, f"{where}: resources {sorted(listed)} != the manifests {sorted(others)}")
                    continue
                check(doc.get("metadata", {}).get("name"), f"{where}: no metadata.name")
                check(doc["kind"] not in docs, f"{where}: a second {doc['kind']}")
                docs[doc["kind"]] = (where, doc)
    return docs


def port_of(hostport, where):
    m = re.fullmatch(r'"?([^":]+):(\d+)"?', hostport.strip())
    check(m, f"{where}: \"{hostport}\" is not HOST:PORT")
    return int(m.group(2)) if m else None


def ini_value(ini, section, key):
    current = None
    for line in ini.splitlines():
        line = line.split(";", 1)[0].strip()
        if line.startswith("["):
            current = line.strip("[]").strip()
        elif "=" in line and current == section:
            k, v = (x.strip() for x in line.split("=", 1))
            if k == key:
                return v
    return None


def main():
    docs = load_all()
    for kind in ("ConfigMap", "Service", "StatefulSet"):
        check(kind in docs, f"deploy/k8s: no {kind}")
    if failures:
        return
    cm_where, cm = docs["ConfigMap"]
    svc_where, svc = docs["Service"]
    sts_where, sts = docs["StatefulSet"]
    spec = sts["spec"]
    pod = spec["template"]["spec"]
    containers = pod["containers"]
    check(len(containers) == 1, f"{sts_where}: expected one container")
    c = containers[0]

    # Service <-> StatefulSet: headless, the governing service, the same labels.
    check(svc["spec"].get("clusterIP") == "None", f"{svc_where}: spec.clusterIP must be None (headless)")
    check(spec.get("serviceName") == svc["metadata"]["name"],
          f"{sts_where}: spec.serviceName {spec.get('serviceName')!r} != the Service {svc['metadata']['name']!r}")
    labels = spec["template"]["metadata"]["labels"]
    check(spec["selector"]["matchLabels"].items() <= labels.items(), f"{sts_where}: selector does not match the pod labels")
    check(svc["spec"]["selector"].items() <= labels.items(), f"{svc_where}: selector does not match the pods' labels")

    # Ports: the ini's listen port = the containerPort = the Service port = the probes' port = the seed's port.
    ini = cm["data"].get("node.ini", "")
    check(ini, f"{cm_where}: no data.node.ini")
    listen = ini_value(ini, "node", "listen")
    check(listen, f"{cm_where}: node.ini has no [node] listen")
    port = port_of(listen, f"{cm_where}: node.ini listen") if listen else None
    named = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(named.get("cluster") == port, f"{sts_where}: containerPort 'cluster' {named.get('cluster')} != listen port {port}")
    svc_ports = {p["name"]: p for p in svc["spec"]["ports"]}
    check("cluster" in svc_ports and svc_ports["cluster"]["port"] == port,
          f"{svc_where}: port 'cluster' != listen port {port}")
    check(svc_ports.get("cluster", {}).get("targetPort") in ("cluster", port), f"{svc_where}: targetPort is not the node's port")
    probe = c.get("readinessProbe", {})
    check(probe, f"{sts_where}: no readinessProbe")
    check(probe.get("tcpSocket", {}).get("port") in ("cluster", port), f"{sts_where}: readinessProbe is not on the node's port")

    # The seed: the first pod's stable name through the headless Service, on the node port.
    env = {e["name"]: e for e in c.get("env", [])}
    seed = env.get("CONCORD_SEED", {}).get("value", "")
    expected_seed = f"{sts['metadata']['name']}-0.{svc['metadata']['name']}:{port}"
    check(seed == expected_seed, f"{sts_where}: CONCORD_SEED {seed!r} != {expected_seed!r} (pod 0 through the headless Service)")
    check(env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
          f"{sts_where}: POD_NAME is not the pod name")
    script = " ".join(c.get("command", []) + c.get("args", []))
    check(f'"$POD_NAME" != {sts["metadata"]["name"]}-0' in script and '--seed "$CONCORD_SEED"' in script,
          f"{sts_where}: pods other than {sts['metadata']['name']}-0 must get --seed $CONCORD_SEED")
    check('--name "$POD_NAME"' in script, f"{sts_where}: the node name must be the pod name (unique, stable)")
    check(ini_value(ini, "node", "seeds") is None, f"{cm_where}: node.ini must not list seeds (the seed would join itself)")

    # The ConfigMap is mounted where --config reads it; workers.json sits next to node.ini.
    m = re.search(r"--config (\S+)", script)
    config_path = m.group(1) if m else ""
    mounts = {v["name"]: v for v in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    cm_volumes = [n for n, v in volumes.items() if v.get("configMap", {}).get("name") == cm["metadata"]["name"]]
    check(len(cm_volumes) == 1, f"{sts_where}: the ConfigMap {cm['metadata']['name']!r} is not a volume")
    if cm_volumes:
        mount = mounts.get(cm_volumes[0], {}).get("mountPath")
        check(config_path == f"{mount}/node.ini", f"{sts_where}: --config {config_path!r} is not the ConfigMap's node.ini at {mount}")
    workers = ini_value(ini, "node", "workers")
    check(workers and workers.strip('"') in cm["data"], f"{cm_where}: [node] workers {workers} is not in the ConfigMap")

    # Resources, security, the image.
    requests = c.get("resources", {}).get("requests", {})
    check("cpu" in requests and "memory" in requests, f"{sts_where}: resources.requests needs cpu and memory")
    sc = pod.get("securityContext", {})
    check(sc.get("runAsNonRoot") is True, f"{sts_where}: securityContext.runAsNonRoot must be true")
    check(c.get("securityContext", {}).get("allowPrivilegeEscalation") is False, f"{sts_where}: allowPrivilegeEscalation must be false")
    check(spec.get("replicas", 1) >= 2, f"{sts_where}: a cluster needs at least 2 replicas")

    # Dockerfile: Debian 12, the install script's packages, a non-root user the pod runs as, the image tag.
    with open(os.path.join(SRC, "deploy", "container", "Dockerfile")) as f:
        dockerfile = f.read()
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    check(bases and all(b.startswith("debian:12") for b in bases), f"Dockerfile: every FROM must be debian:12* (got {bases})")
    check("scripts/install-deps.sh" in dockerfile and re.search(r"^RUN sh scripts/install-deps.sh", dockerfile, re.M),
          "Dockerfile: the build stage must install scripts/install-deps.sh's packages")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    check(users and users[-1].split(":")[0] not in ("0", "root"), f"Dockerfile: the last USER must not be root (got {users})")
    uid = re.search(r"useradd[^\n]*--uid (\d+)", dockerfile.replace("\\\n", " "))
    check(uid and users and users[-1].split(":")[0] == uid.group(1) == str(sc.get("runAsUser")),
          f"Dockerfile: USER {users[-1] if users else None} / useradd --uid / the pod's runAsUser {sc.get('runAsUser')} differ")
    check(re.search(r'^ENTRYPOINT \["/usr/bin/concord"\]', dockerfile, re.M) and "/usr/bin/concord" in script,
          "Dockerfile: ENTRYPOINT /usr/bin/concord, the binary the StatefulSet runs")
    check(f"EXPOSE {port}" in dockerfile, f"Dockerfile: no EXPOSE {port}")
    with open(os.path.join(SRC, "CMakeLists.txt")) as f:
        version = re.search(r"project\(concord VERSION (\S+)", f.read()).group(1)
    check(c["image"] == f"concord:{version}", f"{sts_where}: image {c['image']!r} != concord:{version} (the project version)")
    check(f"-t concord:{version} ." in dockerfile, f"Dockerfile: the build command does not tag concord:{version}")

    # kustomize renders the three (offline), where kubectl is installed.
    kubectl = shutil.which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", K8S], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"kubectl kustomize deploy/k8s: exit {r.returncode}: {r.stderr.strip()}")
        rendered = [d["kind"] for d in yaml.safe_load_all(r.stdout) if d] if r.returncode == 0 else []
        check(sorted(rendered) == ["ConfigMap", "Service", "StatefulSet"], f"kubectl kustomize rendered {rendered}")

    # `concord node` accepts the ConfigMap's files as mounted (listen moved to loopback, port 0).
    with tempfile.TemporaryDirectory(prefix="concord-k8s-") as d:
        for key, text in cm["data"].items():
            with open(os.path.join(d, key), "w") as f:
                f.write(text)
        node = subprocess.Popen([CONCORD, "node", "--name", f"{sts['metadata']['name']}-0", "--config",
                                 os.path.join(d, "node.ini"), "--listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            first = node.stdout.readline()
            check("listening on 127.0.0.1:" in first, f"{cm_where}: concord node did not start on node.ini: {first!r} "
                  f"{node.stderr.read() if node.poll() is not None else ''}")
            node.send_signal(signal.SIGTERM)
            code = node.wait(timeout=10)
            check(code == 0, f"concord node on the ConfigMap: exit {code} after SIGTERM, expected 0")
        finally:
            if node.poll() is None:
                node.kill()
                node.wait()


main()
for f in failures:
    print("FAIL:", f)
if not failures:
    print("PASS: deploy/k8s and deploy/container/Dockerfile agree")
sys.exit(1 if failures else 0)
