#!/usr/bin/env python3
"""delayproxy.py LISTEN_PORT TARGET_HOST:PORT DELAY_MS

A TCP proxy that delays every byte by DELAY_MS in each direction (so a
round trip costs twice that) without limiting throughput: each chunk read
is queued with its due time and written once due, in order. cache.sh puts
it between mingo and the registry to measure over a real network's
latency, not only loopback's. It prints "ready" once listening."""
import asyncio
import sys


async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def send():
        while (item := await queue.get()) is not None:
            due, data = item
            await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + delay, data))
    except ConnectionError:
        pass
    queue.put_nowait(None)
    try:
        await sender
    except ConnectionError:
        pass


async def main():
    port, target, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]) / 1000
    host, tport = target.rsplit(":", 1)

    async def handle(creader, cwriter):
        try:
            sreader, swriter = await asyncio.open_connection(host, int(tport))
        except OSError:
            cwriter.close()
            return
        await asyncio.gather(pipe(creader, swriter, delay), pipe(sreader, cwriter, delay))

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
