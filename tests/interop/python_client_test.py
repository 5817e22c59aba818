#!/usr/bin/env python3
"""Interop with no project code: a Python client using only pyzmq and the stock `capnp` tool
(with protocols/concord.capnp) submits examples/proofflow-euler.json to a real `concord node
--gateway`, watches it to the end, and reads the same report that `concord watch` and
`concord run` print.

    python_client_test.py CONCORD_BIN SOURCE_DIR

Exit 0 on success; the first failed check is printed and exits 1. The node is killed at the end,
pass or fail. Traffic stays on 127.0.0.1.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import zmq

CONCORD, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SCHEMA = os.path.join(SOURCE, "protocols", "concord.capnp")
EXAMPLE = "examples/proofflow-euler.json"


def check(cond, what):
    if not cond:
        print("FAILED:", what, file=sys.stderr)
        sys.exit(1)


def capnp_text_string(s):
    """A Cap'n Proto text-format string literal."""
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def encode_request(text):
    """`capnp encode SCHEMA Request`: text format in, standard binary framing out."""
    p = subprocess.run(["capnp", "encode", SCHEMA, "Request"], input=text.encode(), capture_output=True, timeout=30)
    check(p.returncode == 0, "capnp encode: " + p.stderr.decode())
    return p.stdout


def decode_response(data):
    """`capnp convert binary:json SCHEMA Response`: the node's bytes as JSON."""
    p = subprocess.run(["capnp", "convert", "binary:json", SCHEMA, "Response"], input=data, capture_output=True, timeout=30)
    check(p.returncode == 0, "capnp convert: " + p.stderr.decode())
    return json.loads(p.stdout)


def main():
    workdir = tempfile.mkdtemp(prefix="concord-py-")
    node = subprocess.Popen([CONCORD, "node", "--name", "py", "--listen", "127.0.0.1:0", "--workers",
                             os.path.join(SOURCE, "examples", "workers.json"), "--gateway", "tcp://127.0.0.1:0",
                             "--time-scale", "200"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=workdir, text=True)
    try:
        endpoint = None
        deadline = time.time() + 20
        while time.time() < deadline and endpoint is None:
            line = node.stdout.readline()
            m = re.search(r"gateway on (tcp://\S+)", line)
            if m:
                endpoint = m.group(1)
        check(endpoint is not None, "the node never printed its gateway endpoint")

        with open(os.path.join(SOURCE, EXAMPLE), encoding="utf-8") as f:
            document = f.read()
        request = encode_request("(version = 1, submit = (workflowJson = %s, sourceName = %s, idempotencyKey = \"py-1\", "
                                 "watch = true))" % (capnp_text_string(document), capnp_text_string(EXAMPLE)))
        ctx = zmq.Context()
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        sock.send(request)

        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        accepted, events, ended = None, [], None
        for _ in range(100000):  # bounded: the workflow ends within seconds at time scale 200
            check(poller.poll(30000), "no message from the node within 30 s")
            msg = decode_response(sock.recv())
            check(msg.get("version") == 1, "wire version: %r" % msg.get("version"))
            if "accepted" in msg:
                accepted = msg["accepted"]
            elif "refused" in msg:
                check(False, "refused: %r" % msg["refused"])
            elif "event" in msg:
                events.append(msg["event"])
                if "ended" in msg["event"]:
                    ended = msg["event"]["ended"]
                    break
        check(accepted is not None, "no Accepted before the events")
        wid = int(accepted["workflowId"])
        seqs = [int(e["seq"]) for e in events]
        check(seqs == list(range(1, len(seqs) + 1)), "event sequence numbers 1..N without gaps: %r" % seqs[:20])
        check("started" in events[0], "the first event is `started`")
        check(any("batchLaunched" in e for e in events), "a batchLaunched event")
        check(any("sampleSettled" in e for e in events), "a sampleSettled event")
        check(any("subtaskEnded" in e for e in events), "a subtaskEnded event")
        check(all(int(e["workflowId"]) == wid for e in events), "every event names the workflow")
        settled = sum(int(e["sampleSettled"].get("costPicodollars", 0)) for e in events if "sampleSettled" in e)
        check(int(ended.get("spendPicodollars", 0)) == settled, "spend = the sum of the settled samples' costs")
        report = ended["report"]

        # The same result through the project's own client...
        watch = subprocess.run([CONCORD, "watch", str(wid), "--to", endpoint, "--quiet"], capture_output=True, text=True, timeout=60)
        check(watch.returncode == (0 if ended.get("completed") else 1), "concord watch exit code %d" % watch.returncode)
        check(watch.stdout == report, "concord watch prints the report the Python client read")
        # ... and the same report as `concord run` for the same file: every line but the engine and
        # the figures of this (real-time) run, which differ from a virtual-time run.
        run = subprocess.run([CONCORD, "run", EXAMPLE, "--quiet"], capture_output=True, text=True, timeout=120, cwd=SOURCE)
        check(run.returncode in (0, 1), "concord run exit code %d: %s" % (run.returncode, run.stderr))
        head = lambda text: [l for l in text.splitlines()[:4]]
        check(head(run.stdout) == head(report), "report header:\n%s\nvs\n%s" % (head(run.stdout), head(report)))
        check("result" in report and "spend" in report and "makespan" in report, "the report's sections")
        check(("COMPLETED" in report) == bool(ended.get("completed")), "Ended.completed agrees with the report")
        print("ok: workflow %d, %d events\n%s" % (wid, len(events), report))
    finally:
        node.send_signal(signal.SIGKILL)
        node.wait(timeout=10)


if __name__ == "__main__":
    main()
