"""Holds N idle WebSocket connections to a running kefu and reports the server's memory per
connection (VmRSS before and after, from /proc). Loopback only.

  python3 bench/server/ws_idle.py --port 8080 --pid PID --cookie 'kefu_session=…' -n 10000
"""

import argparse
import asyncio
import base64
import os
import resource
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def open_ws(port, cookie, sem, sockets, failures):
    async with sem:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write((f"GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                          f"Cookie: {cookie}\r\n\r\n").encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 101 " not in head.split(b"\r\n")[0]:
                failures.append(head[:40])
                writer.close()
                return
            sockets.append((reader, writer))
        except Exception as e:  # noqa: BLE001 — counted and reported
            failures.append(repr(e))


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--cookie", required=True)
    p.add_argument("-n", type=int, default=10000)
    p.add_argument("--hold", type=float, default=10.0, help="seconds to hold them")
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kib(a.pid)
    sockets, failures = [], []
    sem = asyncio.Semaphore(200)
    t0 = time.time()
    await asyncio.gather(*(open_ws(a.port, a.cookie, sem, sockets, failures) for _ in range(a.n)))
    opened = time.time() - t0
    await asyncio.sleep(2)
    after = rss_kib(a.pid)
    print(f"connections open: {len(sockets)} of {a.n} in {opened:.1f} s; failures: {len(failures)}")
    if failures:
        print("first failure:", failures[0])
    print(f"server RSS: before {before/1024:.1f} MiB, after {after/1024:.1f} MiB, "
          f"per connection {(after-before)*1024/max(1, len(sockets)):.0f} bytes")
    await asyncio.sleep(a.hold)
    alive = rss_kib(a.pid)
    print(f"after holding {a.hold:.0f} s idle: server RSS {alive/1024:.1f} MiB")
    for _, w in sockets:
        w.close()


asyncio.run(main())
