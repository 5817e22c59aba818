#!/usr/bin/env python3
"""An OpenAI-compatible chat-completions stub for tests (python3 standard library only).

Listens on 127.0.0.1, port chosen by the kernel, and prints "PORT <n>" as its first stdout line.
Exits on SIGTERM/SIGINT, when its parent process changes (the parent died), and, with
--parent-stdin, when its stdin reaches EOF (the parent closed the pipe or died).

POST /v1/chat/completions (also /chat/completions): the behaviour is chosen by the LAST user
message's content. If it starts with "#stub:", the word up to the first whitespace is a
comma-separated list of directives and the rest (leading whitespace stripped) is the text:
  ok            reply with the text itself (echo)
  delay=S       wait S seconds first (ends early if the client disconnects), then go on
  429           HTTP 429, header Retry-After: 1, an OpenAI error body
  500           HTTP 500, an OpenAI error body
  malformed     HTTP 200 with a body that is not JSON
  no-usage      a valid completion without "usage"
  length        a completion of the text with finish_reason "length"
  hang          send nothing for up to 60 s or until the client disconnects, then close
Unknown directives are ignored. Without ok/length (no directive, or only delay/no-usage): with
--script FILE, the reply of the first rule whose "match" (Python re.search, DOTALL) matches the
text; otherwise "stub reply: " followed by the text's words in reverse order.
usage: prompt_tokens = whitespace-separated words over all messages' contents,
completion_tokens = words of the reply. A reply longer than max_tokens words is cut to
max_tokens words with finish_reason "length".
--script FILE: JSON [{"match": REGEX, "reply": TEXT, "faults": [DIRECTIVES, ...]}, ...]: the Nth
request matching a rule (without a directive of its own) gets the directives faults[N % len]
(e.g. "429", "500", "malformed", "hang", "delay=0.2", "" for none) before the rule's reply.
--api-key KEY: requests without "Authorization: Bearer KEY" get HTTP 401.
GET /health -> 200 "ok"; GET /stats -> {"requests": N} (chat-completion requests so far).
"""
import argparse
import json
import os
import re
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"requests": 0, "rules": [], "api_key": None, "rule_hits": {}}
LOCK = threading.Lock()


def words(text):
    return len(text.split())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: tests read stdout
        pass

    def send_json(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_raw(status, body, "application/json", headers)

    def send_raw(self, status, body, ctype, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def client_gone(self):
        """True when the client closed its connection (the request body was read already)."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def wait(self, seconds):
        """Sleeps up to `seconds`; False when the client disconnected first."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.client_gone():
                return False
            time.sleep(0.02)
        return True

    def do_GET(self):
        if self.path == "/health":
            self.send_raw(200, b"ok", "text/plain")
        elif self.path == "/stats":
            with LOCK:
                n = STATE["requests"]
            self.send_json(200, {"requests": n})
        else:
            self.send_json(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
            self.send_json(404, {"error": {"message": "not found"}})
            return
        with LOCK:
            STATE["requests"] += 1
        if STATE["api_key"] is not None and self.headers.get("Authorization") != "Bearer " + STATE["api_key"]:
            self.send_json(401, {"error": {"message": "bad api key"}})
            return
        try:
            req = json.loads(raw)
            messages = req["messages"]
            contents = [str(m.get("content", "")) for m in messages]
        except (ValueError, KeyError, TypeError, AttributeError):
            self.send_json(400, {"error": {"message": "bad request"}})
            return
        last_user = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
        directives, text = [], last_user
        m = re.match(r"#stub:(\S*)\s*(.*)", last_user, re.DOTALL)
        if m:
            directives = [d for d in m.group(1).split(",") if d]
            text = m.group(2)
        else:  # a script rule may prescribe faults for its requests, in turn
            directives = self.scripted_faults(last_user)
        reply = None
        finish = "stop"
        with_usage = True
        for d in directives:
            if d.startswith("delay="):
                if not self.wait(float(d[len("delay="):])):
                    return
            elif d == "ok":
                reply = text
            elif d == "429":
                self.send_json(429, {"error": {"message": "rate limited (stub)", "type": "rate_limit"}}, [("Retry-After", "1")])
                return
            elif d == "500":
                self.send_json(500, {"error": {"message": "internal error (stub)"}})
                return
            elif d == "malformed":
                self.send_raw(200, b"{\"choices\": [ this is not json", "application/json")
                return
            elif d == "hang":
                self.wait(60)
                self.close_connection = True
                return
            elif d == "no-usage":
                with_usage = False
            elif d == "length":
                reply = text
                finish = "length"
        if reply is None:
            reply = self.default_reply(text)
        cap = req.get("max_tokens")
        if isinstance(cap, int) and cap >= 0 and words(reply) > cap:
            reply = " ".join(reply.split()[:cap])
            finish = "length"
        body = {
            "id": "stub-%d" % STATE["requests"],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": req.get("model", ""),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": finish}],
        }
        if with_usage:
            p, c = sum(words(x) for x in contents), words(reply)
            body["usage"] = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
        self.send_json(200, body)

    def scripted_faults(self, last_user):
        for i, (pattern, _reply, faults) in enumerate(STATE["rules"]):
            if pattern.search(last_user):
                if not faults:
                    return []
                with LOCK:
                    n = STATE["rule_hits"].get(i, 0)
                    STATE["rule_hits"][i] = n + 1
                return [d for d in faults[n % len(faults)].split(",") if d]
        return []

    def default_reply(self, last_user):
        for pattern, reply, _faults in STATE["rules"]:
            if pattern.search(last_user):
                return reply
        return "stub reply: " + " ".join(reversed(last_user.split()))


def exit_now(*_):
    sys.stdout.flush()
    os._exit(0)


def watch_parent(parent, watch_stdin):
    def stdin_eof():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        exit_now()

    if watch_stdin:
        threading.Thread(target=stdin_eof, daemon=True).start()
    while True:
        if os.getppid() != parent:
            exit_now()
        time.sleep(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--script", help="JSON list of {match, reply} rules for prompts without a directive")
    ap.add_argument("--api-key", help="require this bearer token")
    ap.add_argument("--parent-stdin", action="store_true", help="exit when stdin reaches EOF")
    args = ap.parse_args()
    if args.script:
        with open(args.script, encoding="utf-8") as f:
            STATE["rules"] = [(re.compile(r["match"], re.DOTALL), str(r["reply"]), [str(x) for x in r.get("faults", [])])
                              for r in json.load(f)]
    STATE["api_key"] = args.api_key
    signal.signal(signal.SIGTERM, exit_now)
    signal.signal(signal.SIGINT, exit_now)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=watch_parent, args=(os.getppid(), args.parent_stdin), daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
