#!/usr/bin/env python3
"""Hole (a) of issue 14: a 32-byte BASP header announcing a 4 GiB payload, sent with no login.

CAF 0.17 answers a header with configure_read(exactly(payload_len)) and zero-fills a read buffer
of that size before a byte of the payload arrives (libcaf_io/src/io/network/stream.cpp:120): one
such header made a node allocate ~4 GiB. Concord refuses, before CAF allocates, any message above
[middleman] max-message-size (default 64 MiB) and any first message (the handshake) above 64 KiB.

The test starts `concord node` on 127.0.0.1 (plain, then TLS), opens two connections that each send
such a header (payload_len 0xFFFFFFFF, then 100 MiB; to the TLS node also from an authenticated peer,
inside TLS), and reads the node's RSS from /proc for 3 s:
it must stay within +256 MiB of what it was; the node must drop the connections, say why on stderr
(plain), and still accept a node that joins afterwards. Also: the option's parsing in the INI.
Usage: oversized_header_test.py SOURCE_DIR CONCORD_BIN
"""
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

SRC, CONCORD = sys.argv[1], sys.argv[2]
BOUND_KIB = 256 * 1024
FAILED = []


def fail(msg):
    FAILED.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def basp_header(payload_len, operation=0x01):
    # caf/io/basp/header.hpp, serialized in network byte order: operation (client_handshake), two
    # padding bytes, flags, payload_len, operation_data, source_actor, dest_actor = 32 bytes.
    return struct.pack(">BBBBIQQQ", operation, 0, 0, 0, payload_len, 0, 0, 0)


class Node:
    def __init__(self, work, name, *args):
        self.err_path = os.path.join(work, name + ".err")
        self.out_path = os.path.join(work, name + ".out")
        self.proc = subprocess.Popen([CONCORD, "node", "--name", name, "--listen", "127.0.0.1:0",
                                      "--workers", os.path.join(SRC, "examples/workers.json"), *args],
                                     stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"))
        self.port = None
        for _ in range(150):
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(self.out_path).read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.1)

    def err(self):
        return open(self.err_path).read()

    def out(self):
        return open(self.out_path).read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def probe(node, what, payload_lens, expect_line, tls=None):
    """Sends one header per connection (inside TLS with `tls`, an ssl.SSLContext holding a
    certificate of the cluster's CA); watches RSS for 3 s; the connections must be dropped."""
    pid = node.proc.pid
    time.sleep(0.3)
    before = rss_kib(pid)
    conns = []
    for n in payload_lens:
        try:
            s = socket.create_connection(("127.0.0.1", node.port), timeout=5)
            if tls:
                s = tls.wrap_socket(s, server_hostname="localhost")  # handshake done: an authenticated peer
            s.sendall(basp_header(n))
            conns.append(s)
        except OSError as e:  # ssl.SSLError and timeouts too: e.g. the node is busy allocating
            fail(f"{what}: could not send a header announcing {n} bytes: {e!r}")
    peak = before
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and node.proc.poll() is None:
        peak = max(peak, rss_kib(pid))
        time.sleep(0.02)
    print(f"{what}: RSS {before} KiB before, peak {peak} KiB in 3 s (+{peak - before} KiB; bound +{BOUND_KIB} KiB)")
    if node.proc.poll() is not None:
        fail(f"{what}: the node died (exit {node.proc.returncode}): {node.err()}")
    if peak - before > BOUND_KIB:
        fail(f"{what}: RSS grew by {peak - before} KiB (> {BOUND_KIB} KiB) after headers announcing {payload_lens} bytes")
    for i, s in enumerate(conns):
        s.settimeout(2.0)
        closed = False
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    closed = True
                    break
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            closed = True
        except socket.timeout:
            pass
        if not closed:
            fail(f"{what}: connection {i} (payload_len {payload_lens[i]}) is still open after the refusal")
        s.close()
    if expect_line:
        for n in payload_lens:
            line = expect_line.format(n)
            if line not in node.err():
                fail(f"{what}: the node's stderr has no line '...{line}...': {node.err()!r}")


def main():
    work = tempfile.mkdtemp(prefix="concord-oversized-")
    nodes = []
    try:
        a = Node(work, "a")
        nodes.append(a)
        if a.port is None:
            fail(f"node a did not start: {a.err()}")
            return
        probe(a, "plain node", [0xFFFFFFFF, 100 << 20],
              "it announced a message of {} bytes, above the limit for a peer's first (handshake) message of 65536 bytes")
        # Still serving: a node joins it afterwards.
        b = Node(work, "b", "--seed", f"127.0.0.1:{a.port}")
        nodes.append(b)
        for _ in range(100):
            if "member a" in b.out():
                break
            time.sleep(0.1)
        else:
            fail(f"node b could not join a after the probe: {b.err()} {b.out()}")

        # TLS: the header is not even a TLS record; the handshake fails before any BASP read.
        tls = os.path.join(work, "tls")
        subprocess.run([os.path.join(SRC, "deploy/tls/make-ca.sh"), tls, "t", "peer"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        t = Node(work, "t", "--tls-cert", f"{tls}/t.pem", "--tls-key", f"{tls}/t.key", "--tls-ca", f"{tls}/ca.pem")
        nodes.append(t)
        if t.port is None:
            fail(f"TLS node t did not start: {t.err()}")
        else:
            probe(t, "TLS node, peer without TLS", [0xFFFFFFFF, 0xFFFFFFFF], None)
            # An authenticated peer (a certificate of the cluster's CA): bounded by max-message-size.
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(f"{tls}/ca.pem")
            ctx.load_cert_chain(f"{tls}/peer.pem", f"{tls}/peer.key")
            ctx.check_hostname = False  # CAF checks no host name; neither does this peer
            probe(t, "TLS node, authenticated peer", [0xFFFFFFFF, 100 << 20],
                  "it announced a message of {} bytes, above the limit of 67108864 bytes ([middleman] max-message-size)", ctx)

        # [middleman] max-message-size: accepted forms and refusals (exit 2 naming the key).
        for value, ok in [("64MiB", True), ("65536", True), ("1GiB", True), ("4095MiB", True), ("4GiB", False),
                          ("1KiB", False), ("-5", False), ("64MB", False), ("lots", False)]:
            ini = os.path.join(work, "m.ini")
            with open(ini, "w") as f:
                f.write(f"[node]\nlisten=\"127.0.0.1:0\"\n[middleman]\nmax-message-size={value}\n")
            p = subprocess.Popen([CONCORD, "node", "--name", "m", "--config", ini], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
            if ok:
                first = p.stdout.readline()
                if "listening on" not in first:
                    fail(f"max-message-size={value}: the node did not start: {first!r}")
                p.send_signal(signal.SIGTERM)
                p.wait(10)
            else:
                out, _ = p.communicate(timeout=10)
                if p.returncode != 2 or "middleman.max-message-size: expected a size in 64KiB..4GiB-1" not in out:
                    fail(f"max-message-size={value}: exit {p.returncode}, expected 2 naming the key: {out!r}")
    finally:
        for n in nodes:
            n.stop()
        subprocess.run(["rm", "-rf", work])
    if FAILED:
        sys.exit(1)
    print("PASS")


main()
sys.exit(1 if FAILED else 0)
