#!/usr/bin/env python3
"""An AWS-behaviour proxy for eco's tests: it stands in front of moto on 127.0.0.1 and answers
scripted requests with the errors real AWS gives while it is not yet consistent (a role not yet
assumable, a bucket not yet visible, a concurrent modification, throttling), in the status, code
and body format of the service's protocol, then passes the rest through to moto unchanged.

Usage: aws_proxy.py UPSTREAM_URL RULES_JSON_FILE
Prints "listening on PORT" once it listens on 127.0.0.1 (a free port).

A rule (a JSON object; the first rule that matches a request and fires answers it; a call no
rule fires on passes through, counted by every rule it matched):
  name        the rule's name in the stats
  service     the signing name in the request's credential scope (lambda, s3, iam, dynamodb, ...)
  operation   the X-Amz-Target operation (JSON protocols) or the Action= parameter (query)
  method      the HTTP method, or a list of them (REST protocols)
  path        a regular expression searched in the path and query (REST protocols)
  body        a regular expression searched in the request body (a resource, e.g. a role name)
  key         a regular expression searched in "METHOD PATH?QUERY\\nBODY" whose first group names
              the resource: counts and clocks below are per resource (default: one for all)
  error       {"status": 400, "code": "...", "message": "..."}, or "throttle": the service's own
              throttling error
  times       answer the error to the first N matching calls (per key), then pass
  seconds     answer the error for T seconds from the first matching call (per key), then pass
  every       answer the error to every N-th matching call (per key)
  percent     answer the error to this percentage of matching calls (seeded by "seed")
  concurrent  answer the error only while another matching call of the same key is in flight
              (what AWS does where it serializes writes); "hold_ms" keeps matching calls in
              flight that long before passing them on, so that overlaps are seen
  above       answer the error only while N or more matching calls of the same key are in
              flight (a service's limit on concurrent requests; with "hold_ms")
  pass        a matching call passes through, no later rule looked at (e.g. the state backend)
  after       the call reaches moto first (it takes effect), then its answer is replaced: the
              answer AWS gave was lost on the way back
  reset       instead of an error answer, the connection is reset (with "after": after the call
              took effect)
  rewrite     {"pattern": REGEX, "replacement": TEXT}: instead of an error, the call reaches moto
              and its successful answer is rewritten (a success that says "not yet": a
              certificate whose records are not assigned, a distribution still InProgress), so a
              wait polls past its first look
Without times/seconds/every/percent/concurrent/above a rule always fires.

Control: GET /_proxy/stats gives per rule {"matched", "injected", "max_in_flight"}.
Only the Python standard library is used.
"""

import http.client
import json
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON_SERVICES = {
    "dynamodb", "cognito-idp", "acm", "logs", "ssm", "secretsmanager", "events", "codebuild",
    "codepipeline", "kms", "sqs", "states", "cognito-identity", "tagging",
}
REST_JSON_SERVICES = {"lambda", "apigateway", "execute-api", "scheduler"}
QUERY_SERVICES = {"iam", "sts", "sns", "ec2", "cloudformation"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}


def throttle_error(service):
    """The throttling error a service answers with."""
    if service == "s3":
        return {"status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}
    if service in REST_JSON_SERVICES:
        return {"status": 429, "code": "TooManyRequestsException", "message": "Rate exceeded"}
    if service in JSON_SERVICES:
        return {"status": 400, "code": "ThrottlingException", "message": "Rate exceeded"}
    return {"status": 400, "code": "Throttling", "message": "Rate exceeded"}


def error_response(service, error):
    """(status, headers, body) of an AWS error in the service's protocol."""
    status, code, message = error["status"], error["code"], error.get("message", "")
    request_id = str(uuid.uuid4())
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message})
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code,
                   "x-amzn-RequestId": request_id}
    elif service in REST_JSON_SERVICES:
        body = json.dumps({"Type": "User", "message": message})
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code,
                   "x-amzn-RequestId": request_id}
    elif service == "s3":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                "<Message>%s</Message><RequestId>%s</RequestId></Error>"
                % (code, xml_escape(message), request_id))
        headers = {"Content-Type": "application/xml", "x-amz-request-id": request_id}
    else:
        # Query protocols (IAM, STS) and the REST-XML services with ErrorResponse (CloudFront,
        # Route53).
        body = ("<?xml version=\"1.0\"?>\n<ErrorResponse><Error><Type>Sender</Type>"
                "<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId>"
                "</ErrorResponse>" % (code, xml_escape(message), request_id))
        headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
    return status, headers, body.encode()


def xml_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Rule:
    def __init__(self, spec, index):
        self.spec = spec
        self.name = spec.get("name", "rule%d" % index)
        self.path = re.compile(spec["path"]) if "path" in spec else None
        self.body = re.compile(spec["body"], re.S) if "body" in spec else None
        self.key = re.compile(spec["key"], re.S) if "key" in spec else None
        self.random = random.Random(spec.get("seed", 1))
        self.lock = threading.Lock()
        self.calls = {}        # key -> matching calls so far
        self.first = {}        # key -> time of the first matching call
        self.in_flight = {}    # key -> calls in flight
        self.matched = 0
        self.injected = 0
        self.max_in_flight = 0

    def matches(self, service, operation, method, target, body):
        s = self.spec
        if "service" in s and s["service"] != service:
            return None
        if "operation" in s and s["operation"] != operation:
            return None
        if "method" in s and method not in (
                s["method"] if isinstance(s["method"], list) else [s["method"]]):
            return None
        if self.path and not self.path.search(target):
            return None
        if self.body and not self.body.search(body):
            return None
        if self.key:
            m = self.key.search("%s %s\n%s" % (method, target, body))
            if not m:
                return None
            return m.group(1) if m.groups() else m.group(0)
        return ""

    def enter(self, key):
        """Counts a matching call; whether it gets the error."""
        s = self.spec
        with self.lock:
            self.matched += 1
            n = self.calls.get(key, 0) + 1
            self.calls[key] = n
            first = self.first.setdefault(key, time.monotonic())
            busy = self.in_flight.get(key, 0)
            if "times" in s:
                fire = n <= s["times"]
            elif "seconds" in s:
                fire = time.monotonic() - first < s["seconds"]
            elif "every" in s:
                fire = n % s["every"] == 0
            elif "percent" in s:
                fire = self.random.random() * 100 < s["percent"]
            elif s.get("concurrent"):
                fire = busy > 0
            elif "above" in s:
                fire = busy >= s["above"]
            else:
                fire = True
            if fire:
                self.injected += 1
            else:
                self.in_flight[key] = busy + 1
                self.max_in_flight = max(self.max_in_flight, busy + 1)
            return fire

    def leave(self, key):
        with self.lock:
            self.in_flight[key] = self.in_flight.get(key, 1) - 1

    def stats(self):
        with self.lock:
            return {"matched": self.matched, "injected": self.injected,
                    "max_in_flight": self.max_in_flight}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    rules = []

    def log_message(self, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def service(self):
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        return m.group(1) if m else ""

    def operation(self, body_text):
        target = self.headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1]
        query = urllib.parse.urlparse(self.path).query
        for text in (body_text, query):
            action = urllib.parse.parse_qs(text).get("Action")
            if action:
                return action[0]
        return ""

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith("/_proxy/stats"):
            stats = {r.name: r.stats() for r in self.rules}
            self.answer(200, {"Content-Type": "application/json"}, json.dumps(stats).encode())
            return
        body_text = body.decode("utf-8", "replace")
        service = self.service()
        operation = self.operation(body_text)
        entered = []
        if not self.path.startswith("/moto-api"):
            for rule in self.rules:
                key = rule.matches(service, operation, self.command, self.path, body_text)
                if key is None:
                    continue
                if rule.spec.get("pass"):
                    break
                if rule.enter(key):
                    for r, k in entered:
                        r.leave(k)
                    if rule.spec.get("rewrite"):
                        rewrite = rule.spec["rewrite"]
                        status, headers, payload, length = self.fetch(body)
                        text = re.sub(rewrite["pattern"], rewrite["replacement"],
                                      payload.decode("utf-8", "replace"))
                        self.answer(status, headers, text.encode(), length)
                        return
                    if rule.spec.get("after"):
                        self.fetch(body)
                    if rule.spec.get("reset"):
                        self.reset()
                        return
                    error = rule.spec["error"]
                    if error == "throttle":
                        error = throttle_error(service)
                    status, headers, payload = error_response(service, error)
                    self.answer(status, headers, payload)
                    return
                entered.append((rule, key))
        try:
            hold = max([r.spec.get("hold_ms", 0) for r, _ in entered] or [0])
            if hold:
                time.sleep(hold / 1000.0)
            answer = self.fetch(body)
        finally:
            # Out of flight before the answer goes back: the client may send its next call as
            # soon as it has this one's answer.
            for r, k in entered:
                r.leave(k)
        self.answer(*answer)

    def reset(self):
        """Closes the connection with a TCP reset, no answer."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def fetch(self, body):
        """The upstream's answer to this request: (status, headers, payload, length)."""
        up = urllib.parse.urlparse(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            length = resp.getheader("Content-Length") if self.command == "HEAD" else None
            return resp.status, out, payload, length
        finally:
            conn.close()

    def answer(self, status, headers, payload, length=None):
        self.send_response(status)
        items = headers.items() if isinstance(headers, dict) else headers
        for k, v in items:
            self.send_header(k, v)
        self.send_header("Content-Length", length or str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = handle_any


def main():
    upstream, rules_file = sys.argv[1], sys.argv[2]
    with open(rules_file) as f:
        specs = json.load(f)
    Proxy.upstream = upstream
    Proxy.rules = [Rule(s, i) for i, s in enumerate(specs)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
