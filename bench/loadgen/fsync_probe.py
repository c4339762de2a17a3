#!/usr/bin/env python3
"""Measures the disk's fdatasync latency while a benchmark runs beside it.

Usage: fsync_probe.py FILE SECONDS. Writes 4 KiB and fdatasyncs FILE every 10 ms (the
cost of one small durable commit, as the server's stores pay for each acknowledgement),
then prints one line: count, p50, p99, max in ms, and the stalls over 30 ms with their
time, so that a report latency spike can be matched to the disk stalling under it.
"""
import os
import sys
import time

path, seconds = sys.argv[1], float(sys.argv[2])
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
latencies, stalls = [], []
end = time.monotonic() + seconds
while time.monotonic() < end:
    os.write(fd, b"x" * 4096)
    start = time.perf_counter()
    os.fdatasync(fd)
    ms = (time.perf_counter() - start) * 1000
    latencies.append(ms)
    if ms > 30:
        stalls.append(f"{time.strftime('%H:%M:%S')} {ms:.0f} ms")
    time.sleep(0.01)
os.close(fd)
os.unlink(path)
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(f"fsync probe: {len(latencies)} fdatasyncs, p50 {pick(0.5):.2f} / p99 {pick(0.99):.2f} / "
      f"max {latencies[-1]:.1f} ms; stalls over 30 ms: {', '.join(stalls) or 'none'}")
