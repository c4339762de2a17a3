#!/usr/bin/env python3
"""Round-trip latency of control-channel commands through the server's REST API."""
import http.client, json, ssl, statistics, sys, time, urllib.parse

url, ca, password, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urllib.parse.urlparse(url)
ctx = ssl.create_default_context(cafile=ca)
conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=60)


def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data)


token = call("POST", "/api/v1/login", {"username": "admin", "password": password})["token"]
# Wait for the agent's channel.
for _ in range(300):
    hosts = call("GET", "/api/v1/hosts", token=token)["items"]
    if hosts and hosts[0].get("online"):
        break
    time.sleep(0.1)
else:
    raise SystemExit("agent never came online")
host = hosts[0]["id"]


def measure(label, method, path, body):
    for _ in range(20):  # warm-up
        call(method, path, body, token)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        reply = call(method, path, body, token)
        samples.append((time.perf_counter() - t0) * 1000)
        if reply.get("status") != "ok":
            raise SystemExit(f"{label}: {reply}")
    samples.sort()
    q = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))]
    print(f"| {label} | {n} | {q(0.50):.2f} | {q(0.90):.2f} | {q(0.99):.2f} | {samples[-1]:.2f} | "
          f"{statistics.mean(samples):.2f} |")


print("| Command (REST → server → agent → reply) | N | p50 ms | p90 ms | p99 ms | max ms | mean ms |")
print("|---|---|---|---|---|---|---|")
measure("ping (POST /hosts/{id}/commands)", "POST", f"/api/v1/hosts/{host}/commands",
        {"command": "ping", "payload": {}})
measure("action flush_dns (fork/exec, recorded, audited)", "POST",
        f"/api/v1/hosts/{host}/actions/flush_dns", {"params": {}})
