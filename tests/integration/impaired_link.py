#!/usr/bin/env python3
"""A bad link between agent and server, on loopback: what `tc netem` loss and delay do to a
TCP connection, as the application sees it (this machine's kernel has no netem module).
Every chunk is delayed (DELAY_MS ± JITTER_MS, order kept per direction); every
STALL_EVERY seconds all traffic is held for STALL_SECONDS (a burst of lost packets:
TCP retransmits and the peers see a pause); every CUT_EVERY seconds one live connection
is cut at random (the link drops mid-request, possibly after the server stored a batch
and before its answer arrived).
Usage: impaired_link.py LISTEN_PORT TARGET_PORT DELAY_MS JITTER_MS STALL_EVERY STALL_SECONDS CUT_EVERY
(LISTEN_PORT 0: any free port). Prints "ready PORT" once listening, then one line per stall and per cut."""
import asyncio
import random
import sys
import time

live = set()
stalled_until = 0.0


async def pipe(reader, writer, delay, jitter):
    queue = asyncio.Queue()

    async def sender():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            while True:
                wait = max(due, stalled_until) - time.monotonic()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    task = asyncio.create_task(sender())
    last_due = 0.0
    try:
        while data := await reader.read(65536):
            # Order is kept: a chunk never overtakes the one before it.
            last_due = max(last_due, time.monotonic() + (delay + random.uniform(-jitter, jitter)) / 1000)
            await queue.put((last_due, data))
        await queue.put((0, None))
        await task
    except (ConnectionError, asyncio.CancelledError):
        task.cancel()
    finally:
        writer.close()


async def handle(client_reader, client_writer, target_port, delay, jitter):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    tasks = [asyncio.create_task(pipe(client_reader, server_writer, delay, jitter)),
             asyncio.create_task(pipe(server_reader, client_writer, delay, jitter))]
    conn = (tuple(tasks), client_writer, server_writer)
    live.add(conn)
    try:
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        live.discard(conn)


async def weather(stall_every, stall_seconds, cut_every):
    global stalled_until
    next_stall, next_cut = time.monotonic() + stall_every, time.monotonic() + cut_every
    while True:
        await asyncio.sleep(0.1)
        now = time.monotonic()
        if now >= next_stall:
            stalled_until = now + stall_seconds
            next_stall = now + stall_seconds + stall_every
            print(f"stall {stall_seconds} s", flush=True)
        if now >= next_cut and live:
            tasks, a, b = random.choice(list(live))
            for t in tasks:
                t.cancel()
            for w in (a, b):
                w.transport.abort()  # RST, as a dead link looks after the timeouts
            next_cut = now + cut_every
            print("cut a connection", flush=True)


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    delay, jitter = float(sys.argv[3]), float(sys.argv[4])
    stall_every, stall_seconds, cut_every = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
    random.seed(4)
    server = await asyncio.start_server(lambda r, w: handle(r, w, target, delay, jitter),
                                        "127.0.0.1", listen)
    # The port too: with LISTEN_PORT 0 the system picks a free one, no race with others.
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    asyncio.create_task(weather(stall_every, stall_seconds, cut_every))
    async with server:
        await server.serve_forever()


asyncio.run(main())
