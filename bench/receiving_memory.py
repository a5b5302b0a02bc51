#!/usr/bin/env python3
"""Resident memory of a mailflow node receiving many large messages at once.

One `mailflow serve` node on loopback (default receiving limits: 512 MB for
all messages being received) whose one connector points at a loopback port
nothing listens on, so that what is received waits in the queue and
delivery holds nothing. SESSIONS clients (default 20) each send one message
of SIZE bytes (default 34 MB) at the same moment; the node's peak resident
memory (VmHWM) is printed against the stated bound: its memory at rest plus
max_receiving_memory plus 64 MiB for everything else (sockets, read
buffers, the store). Messages past the budget are refused for now
(452 4.3.1), as a client would see them; the counts are printed.

Usage: bench/receiving_memory.py          (builds mailflow --release first)
Environment: SESSIONS (default 20), SIZE (bytes, default 34000000),
SKIP_BUILD=1 to use the built binary, CARGO_TARGET_DIR. Loopback only.
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import delivery_memory as node_tools  # noqa: E402  (the node, message and SMTP helpers)

SESSIONS = int(os.environ.get("SESSIONS", "20"))
SIZE = int(os.environ.get("SIZE", "34000000"))
BUDGET_MIB = 512
MIB = 1024 * 1024


def write_config(work, smtp_port, admin_port, dead_port):
    with open(os.path.join(work, "mailflow.toml"), "w") as config:
        config.write(f"""[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:{smtp_port}"]
trusted_networks = ["127.0.0.0/8"]
max_receiving_memory = "{BUDGET_MIB}MB"

[admin]
listen = "127.0.0.1:{admin_port}"
tokens = ["{node_tools.TOKEN}"]

[store]
path = "{work}/data"

[queue]
retry = ["30m"]

[[accepted_domains]]
name = "dead.test"
type = "internal_relay"

[[connectors]]
name = "to-dead"
kind = "on_premises"
recipient_domains = ["dead.test"]
smart_hosts = ["127.0.0.1:{dead_port}"]
""")


async def send_one(port, number, start):
    """One session, one message; its final reply's first three digits."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await node_tools.reply(reader, "220")
    writer.write(b"EHLO one.bench.test\r\n")
    await node_tools.reply(reader, "250")
    writer.write(b"MAIL FROM:<bob@example.test>\r\n")
    await node_tools.reply(reader, "250")
    writer.write(f"RCPT TO:<{node_tools.RCPT}>\r\n".encode())
    await node_tools.reply(reader, "250")
    writer.write(b"DATA\r\n")
    await node_tools.reply(reader, "354")
    body = node_tools.stuffed(node_tools.message(SIZE, number))
    await start.wait()
    writer.write(body)
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 600)
    writer.close()
    return line[:3].decode()


async def send_all(port, node):
    start = asyncio.Event()
    sends = [asyncio.create_task(send_one(port, n, start)) for n in range(SESSIONS)]
    await asyncio.sleep(1)
    start.set()
    peak = 0
    while not all(task.done() for task in sends):
        peak = max(peak, node_tools.status_kb(node.pid, "VmRSS"))
        await asyncio.sleep(0.05)
    return [task.result() for task in sends], peak


def main():
    if os.environ.get("SKIP_BUILD") != "1":
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "mailflow"],
                       cwd=node_tools.REPO, check=True)
    work = tempfile.mkdtemp(prefix="mailflow-receiving-memory-")
    ports = [node_tools.free_port() for _ in range(3)]
    write_config(work, *ports)
    node = node_tools.start_node(work)
    try:
        node_tools.wait_listening(ports[0], 30)
        time.sleep(1)
        at_rest = node_tools.status_kb(node.pid, "VmRSS")
        replies, rss_peak = asyncio.run(send_all(ports[0], node))
        hwm = node_tools.status_kb(node.pid, "VmHWM")
        peak = max(hwm, rss_peak)
        bound = at_rest + (BUDGET_MIB + 64) * 1024
        taken = replies.count("250")
        print(f"sent at once          {SESSIONS} x {SIZE} bytes = {SESSIONS * SIZE / MIB:.0f} MiB")
        print(f"replies               {taken} taken (250), {replies.count('452')} refused for now (452), others {SESSIONS - taken - replies.count('452')}")
        print(f"resident at rest      {at_rest / 1024:.1f} MiB")
        print(f"peak resident         {peak / 1024:.1f} MiB (VmHWM {hwm / 1024:.1f}, sampled VmRSS {rss_peak / 1024:.1f})")
        print(f"stated bound          {bound / 1024:.1f} MiB = at rest + max_receiving_memory {BUDGET_MIB} MiB + 64 MiB")
        print(f"result                {'PASS' if peak <= bound else 'FAIL'}")
    finally:
        node_tools.stop_node(node)
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    main()
