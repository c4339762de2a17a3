#!/usr/bin/env python3
"""A TCP proxy on loopback that cuts connections idle for IDLE seconds, as office NAT
boxes and proxies do. Usage: idle_proxy.py LISTEN_PORT TARGET_PORT IDLE_SECONDS
(LISTEN_PORT 0: any free port). Prints "ready PORT" once listening, then one line per cut connection."""
import asyncio
import sys
import time


async def pipe(reader, writer, state):
    try:
        while data := await reader.read(65536):
            state["last"] = time.monotonic()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer, target_port, idle):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    state = {"last": time.monotonic()}
    tasks = [asyncio.create_task(pipe(client_reader, server_writer, state)),
             asyncio.create_task(pipe(server_reader, client_writer, state))]
    while not all(t.done() for t in tasks):
        await asyncio.sleep(0.5)
        if time.monotonic() - state["last"] > idle:
            print("cut idle connection", flush=True)
            for t in tasks:
                t.cancel()
            client_writer.close()
            server_writer.close()
            break


async def main():
    listen_port, target_port, idle = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    server = await asyncio.start_server(lambda r, w: handle(r, w, target_port, idle),
                                        "127.0.0.1", listen_port)
    # The port too: with LISTEN_PORT 0 the system picks a free one, no race with others.
    print("ready", server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
