"""Cost of `ganlab serve --redis` (server/cluster.py) per message of a run with watchers on
another process: on the run's process, packing and publishing it (CPU of this process per
message); on the other, receiving and unpacking it. Payloads of a frame's sizes (binary 2-D
frames are ~21 kB, see tests/test_cluster.py's figures). Starts its own redis-server on a free
port (Debian's: `make cluster-tools`).

    python bench/bench_cluster.py
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402

from server.cluster import pack, unpack  # noqa: E402

SIZES = (4_000, 21_000, 40_000)
N = 2000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def publisher(url: str, channel: str, size: int, n: int) -> None:
    client = redis.Redis.from_url(url)
    data = pack("F", None, os.urandom(size))
    while client.pubsub_numsub(channel)[0][1] == 0:
        time.sleep(0.01)
    for _ in range(n):
        client.publish(channel, data)
    client.publish(channel, b"stop")


async def publish_cost(url: str, size: int) -> tuple[float, float, float]:
    """CPU and wall µs per message to pack and publish; µs to pack alone."""
    client = aioredis.Redis.from_url(url)
    payload = os.urandom(size)
    start = time.perf_counter()
    for _ in range(N):
        pack("F", None, payload)
    pack_us = (time.perf_counter() - start) / N * 1e6
    await client.publish("bench", pack("F", None, payload))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(N):
        await client.publish("bench", pack("F", None, payload))
    cpu, wall = (time.process_time() - cpu0) / N * 1e6, (time.perf_counter() - wall0) / N * 1e6
    await client.aclose()
    return cpu, wall, pack_us


async def receive_cost(url: str, size: int) -> float:
    """CPU µs per message of this process receiving and unpacking (another process publishes)."""
    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe("relay")
    await pubsub.get_message(timeout=5)  # the subscription's confirmation
    # (at most 16 MB in flight: Redis drops a subscriber whose backlog passes 32 MB, its
    # default client-output-buffer-limit for pub/sub; a lab's 30 frames/s are far from that)
    n = min(N, 16_000_000 // size)
    proc = multiprocessing.get_context("spawn").Process(target=publisher, args=(url, "relay", size, n))
    proc.start()
    got, cpu0 = 0, None
    while True:
        msg = await pubsub.get_message(timeout=None)
        if msg is None or msg["type"] != "message":
            continue
        if msg["data"] == b"stop":
            break
        if cpu0 is None:
            cpu0 = time.process_time()
        unpack(msg["data"])
        got += 1
    cpu = (time.process_time() - cpu0) / max(1, got - 1) * 1e6
    proc.join()
    await pubsub.aclose()
    await client.aclose()
    return cpu


def main() -> None:
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.access(server, os.X_OK):
        sys.exit("redis-server is missing: `make cluster-tools` installs Debian's")
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    with tempfile.TemporaryDirectory() as folder:
        proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder], stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    redis.Redis.from_url(url).ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            for size in SIZES:
                cpu, wall, pack_us = asyncio.run(publish_cost(url, size))
                recv = asyncio.run(receive_cost(url, size))
                print(
                    f"{size / 1000:4.0f} kB message: publish {cpu:5.0f} µs CPU ({wall:5.0f} µs wall, pack {pack_us:4.1f} µs), "
                    f"receive + unpack {recv:5.0f} µs CPU; at 30 messages/s: {cpu * 30 / 1e4:.2f} % of a core to publish, "
                    f"{recv * 30 / 1e4:.2f} % to receive"
                )
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
