#!/usr/bin/env python3
"""Resident memory of a mailflow node retrying a large backlog at once.

One `mailflow serve` node on loopback with one connector, `to-dead`, whose
smart host is a loopback port nothing listens on. In one run it:
  1. queues COUNT messages of SIZE bytes (default 60 of 34 MB: about 2 GB)
     for the dead connector, over FILL_SESSIONS SMTP sessions; every
     delivery attempt fails at connection level and the hop is held (the
     retry wait is 30 minutes, so nothing is retried by itself);
  2. restarts the node, so that its peak resident memory (VmHWM) covers only
     what follows, and notes its resident memory at rest;
  3. starts a sink on the dead port (an SMTP server in this script that
     counts what it gets and keeps nothing) and asks for a retry of the
     connector (POST /api/v1/connectors/to-dead/retry): every message is due
     at once, over up to CONNECTIONS connections;
  4. samples the node's VmRSS and VmHWM every 50 ms until the sink has all
     messages, and prints the peak against the stated bound: the memory at
     rest plus the delivery memory budget (max_delivery_memory) plus 64 MiB
     for everything else a delivery holds (sockets, the store's reads),
     whatever is queued.

Usage: bench/delivery_memory.py            (builds mailflow --release first)
Environment: COUNT (default 60), SIZE (bytes, default 34000000),
CONNECTIONS (default 10), FILL_SESSIONS (default 4), MAX_DELIVERY_MEMORY
(default "64MB"), TIME_LIMIT (seconds per phase, default 1800),
SKIP_BUILD=1 to use the built binary, CARGO_TARGET_DIR (where it is), KEEP=1
to keep the work dir, TMPDIR for the work dir (the queue lives there:
COUNT x SIZE bytes). Loopback only.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

COUNT = int(os.environ.get("COUNT", "60"))
SIZE = int(os.environ.get("SIZE", "34000000"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "10"))
FILL_SESSIONS = int(os.environ.get("FILL_SESSIONS", "4"))
MAX_DELIVERY_MEMORY = os.environ.get("MAX_DELIVERY_MEMORY", "64MB")
TIME_LIMIT = float(os.environ.get("TIME_LIMIT", "1800"))
TOKEN = "delivery-memory-bench-token"
RCPT = "carol@dead.test"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
BIN = os.path.join(TARGET, "release", "mailflow")
MIB = 1024 * 1024


def log(text):
    print(f"[delivery-memory {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def byte_size(text):
    """A mailflow size ("64MB") in bytes, as the config reads it (MB = MiB)."""
    units = {"KB": 1024, "MB": MIB, "GB": 1024 * MIB}
    for unit, factor in units.items():
        if text.upper().endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


def message(size, number):
    """About `size` bytes in lines of 78, every tenth starting with a dot."""
    header = (
        f"From: <bob@example.test>\r\nTo: <{RCPT}>\r\n"
        f"Subject: large {number}\r\n\r\n"
    ).encode()
    lines = max(0, (size - len(header)) // 80)
    block = (b"x" * 78 + b"\r\n") * 9 + b"." + b"y" * 77 + b"\r\n"
    body = header + block * (lines // 10) + (b"x" * 78 + b"\r\n") * (lines % 10)
    return body


def stuffed(body):
    return body.replace(b"\r\n.", b"\r\n..") + b".\r\n"


# ---------------------------------------------------------------- SMTP client
async def reply(reader, code):
    while True:
        line = await asyncio.wait_for(reader.readline(), 300)
        if not line:
            raise ConnectionError("closed by the server")
        if line[3:4] != b"-":
            text = line.decode("ascii", "replace").strip()
            if not text.startswith(code):
                raise ConnectionError(f"expected {code}, got {text}")
            return


async def fill(port, numbers):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reply(reader, "220")
    writer.write(b"EHLO fill.bench.test\r\n")
    await reply(reader, "250")
    for number in numbers:
        writer.write(b"MAIL FROM:<bob@example.test>\r\n")
        await reply(reader, "250")
        writer.write(f"RCPT TO:<{RCPT}>\r\n".encode())
        await reply(reader, "250")
        writer.write(b"DATA\r\n")
        await reply(reader, "354")
        writer.write(stuffed(message(SIZE, number)))
        await writer.drain()
        await reply(reader, "250")
    writer.write(b"QUIT\r\n")
    await writer.drain()
    writer.close()


async def fill_all(port):
    numbers = list(range(COUNT))
    sessions = [numbers[i::FILL_SESSIONS] for i in range(FILL_SESSIONS)]
    await asyncio.gather(*(fill(port, part) for part in sessions if part))


# ---------------------------------------------------------------- the sink
class Sink:
    """Says yes to everything, keeps nothing, counts messages and bytes."""

    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def session(self, reader, writer):
        try:
            writer.write(b"220 sink.bench.test ESMTP\r\n")
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink.bench.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    await self.data(reader)
                    writer.write(b"250 2.0.0 taken\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"250 2.0.0 ok\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def data(self, reader):
        tail = b"\r\n"
        while True:
            chunk = await reader.read(1 << 20)
            if not chunk:
                raise ConnectionError("closed during data")
            self.bytes += len(chunk)
            seen = tail + chunk
            if seen.endswith(b"\r\n.\r\n"):
                self.messages += 1
                return
            tail = seen[-4:]


# ---------------------------------------------------------------- the node
def write_config(work, smtp_port, admin_port, dead_port):
    with open(os.path.join(work, "mailflow.toml"), "w") as config:
        config.write(f"""[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:{smtp_port}"]
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:{admin_port}"
tokens = ["{TOKEN}"]

[store]
path = "{work}/data"

[queue]
retry = ["30m"]

[delivery]
max_delivery_memory = "{MAX_DELIVERY_MEMORY}"

[[accepted_domains]]
name = "dead.test"
type = "internal_relay"

[[connectors]]
name = "to-dead"
kind = "on_premises"
recipient_domains = ["dead.test"]
smart_hosts = ["127.0.0.1:{dead_port}"]
tls = "opportunistic"
max_connections = {CONNECTIONS}

[directory]
recipients = ["{RCPT}"]
""")


def start_node(work):
    out = open(os.path.join(work, "mailflow.log"), "ab")
    env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
    return subprocess.Popen(
        [BIN, "serve", "--config", os.path.join(work, "mailflow.toml")],
        stdout=out, stderr=subprocess.STDOUT, env=env,
    )


def stop_node(node):
    node.send_signal(signal.SIGTERM)
    try:
        node.wait(30)
    except subprocess.TimeoutExpired:
        node.kill()
        node.wait()


def wait_listening(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def api(admin_port, method, path):
    request = urllib.request.Request(
        f"http://127.0.0.1:{admin_port}/api/v1{path}", method=method,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Mailflow-Actor": "bench"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = answer.read()
        return json.loads(body) if body else None


def queued(admin_port):
    return api(admin_port, "GET", "/insights/to-dead").get("queued", 0)


async def retry_and_sample(node, admin_port, dead_port):
    sink = Sink()
    server = await asyncio.start_server(sink.session, "127.0.0.1", dead_port)
    rss_peak = 0
    try:
        started = time.monotonic()
        await asyncio.to_thread(api, admin_port, "POST", "/connectors/to-dead/retry")
        next_note = started + 15
        while sink.messages < COUNT:
            rss_peak = max(rss_peak, status_kb(node.pid, "VmRSS"))
            now = time.monotonic()
            if now - started > TIME_LIMIT:
                raise SystemExit(f"timeout: the sink has {sink.messages} of {COUNT}")
            if now >= next_note:
                log(f"  sink has {sink.messages} of {COUNT}; RSS {rss_peak / 1024:.1f} MiB at most so far")
                next_note = now + 15
            await asyncio.sleep(0.05)
        drained = time.monotonic() - started
    finally:
        server.close()
    return rss_peak, drained, sink


def main():
    if os.environ.get("SKIP_BUILD") != "1":
        log("building mailflow --release")
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "mailflow"], cwd=REPO, check=True)
    if not os.access(BIN, os.X_OK):
        raise SystemExit(f"no mailflow binary at {BIN}")
    work = tempfile.mkdtemp(prefix="mailflow-delivery-memory-")
    smtp_port, admin_port, dead_port = free_port(), free_port(), free_port()
    write_config(work, smtp_port, admin_port, dead_port)
    node = start_node(work)
    try:
        wait_listening(smtp_port, 30)
        log(f"queueing {COUNT} messages of {SIZE} bytes ({COUNT * SIZE / MIB:.0f} MiB) for a dead next hop")
        began = time.monotonic()
        asyncio.run(fill_all(smtp_port))
        log(f"queued in {time.monotonic() - began:.1f} s; fill peak VmHWM {status_kb(node.pid, 'VmHWM') / 1024:.1f} MiB")
        deadline = time.monotonic() + 120
        while queued(admin_port) < COUNT and time.monotonic() < deadline:
            time.sleep(0.5)
        log(f"{queued(admin_port)} waiting for to-dead; restarting the node")
        stop_node(node)
        node = start_node(work)
        wait_listening(smtp_port, 60)
        time.sleep(2)
        at_rest = status_kb(node.pid, "VmRSS")
        log(f"at rest: VmRSS {at_rest / 1024:.1f} MiB; sink up, retry asked")
        rss_peak, drained, sink = asyncio.run(retry_and_sample(node, admin_port, dead_port))
        hwm = status_kb(node.pid, "VmHWM")
        budget = byte_size(MAX_DELIVERY_MEMORY) // 1024
        bound = at_rest + budget + 64 * 1024
        peak = max(hwm, rss_peak)
        print(f"queued                {COUNT} x {SIZE} bytes = {COUNT * SIZE / MIB:.0f} MiB, retried at once over up to {CONNECTIONS} connections")
        print(f"delivered             {sink.messages} messages, {sink.bytes / MIB:.0f} MiB on the wire, in {drained:.1f} s")
        print(f"resident at rest      {at_rest / 1024:.1f} MiB")
        print(f"peak resident         {peak / 1024:.1f} MiB (VmHWM {hwm / 1024:.1f}, sampled VmRSS {rss_peak / 1024:.1f})")
        print(f"stated bound          {bound / 1024:.1f} MiB = at rest + max_delivery_memory {budget / 1024:.0f} MiB + 64 MiB")
        print(f"result                {'PASS' if peak <= bound else 'FAIL'}")
    finally:
        stop_node(node)
        if os.environ.get("KEEP") == "1":
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
