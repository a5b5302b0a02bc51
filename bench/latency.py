#!/usr/bin/env python3
"""Acceptance latency of an SMTP server at a fixed message rate.

Sends messages of SIZE bytes at RATE messages/second (open loop: each
message has its planned start time, whatever happened to the ones before)
over CONNECTIONS SMTP sessions, and times each message from the moment its
final dot is written to the moment the server's reply arrives — the time the
server takes to make the message durable and say 250. Prints p50, p90, p99,
the maximum, the rate reached and any message that did not get a 250.

Usage: latency.py HOST PORT RATE COUNT [--size 5120] [--connections 20]
Only for loopback servers; every session ends with QUIT.
"""

import argparse
import asyncio
import statistics
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("rate", type=float, help="messages per second to offer")
    parser.add_argument("count", type=int, help="messages to send")
    parser.add_argument("--size", type=int, default=5120)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--sender", default="bob@example.test")
    parser.add_argument("--recipient", default="alice@contoso.test")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per reply")
    return parser.parse_args()


def message_body(size):
    """A plain message of about `size` bytes, in lines of 76 characters."""
    header = b"From: <bob@example.test>\r\nTo: <alice@contoso.test>\r\nSubject: latency\r\n\r\n"
    line = b"x" * 76 + b"\r\n"
    lines = max(0, (size - len(header)) // len(line))
    return header + line * lines


async def read_reply(reader, timeout):
    """One whole (possibly multi-line) SMTP reply; returns its last line."""
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise ConnectionError("connection closed by the server")
        if len(line) < 4 or line[3:4] != b"-":
            return line.decode("ascii", "replace").strip()


async def expect(reader, timeout, code):
    reply = await read_reply(reader, timeout)
    if not reply.startswith(code):
        raise ConnectionError(f"expected {code}, got: {reply}")
    return reply


class Session:
    def __init__(self, args):
        self.args = args
        self.reader = None
        self.writer = None

    async def open(self):
        args = self.args
        self.reader, self.writer = await asyncio.open_connection(args.host, args.port)
        await expect(self.reader, args.timeout, "220")
        self.writer.write(b"EHLO latency.bench.test\r\n")
        await expect(self.reader, args.timeout, "250")

    async def send(self, body):
        """Sends one message; returns the seconds from final dot to reply."""
        args, reader, writer = self.args, self.reader, self.writer
        writer.write(f"MAIL FROM:<{args.sender}>\r\n".encode())
        await expect(reader, args.timeout, "250")
        writer.write(f"RCPT TO:<{args.recipient}>\r\n".encode())
        await expect(reader, args.timeout, "250")
        writer.write(b"DATA\r\n")
        await expect(reader, args.timeout, "354")
        writer.write(body)
        await writer.drain()
        writer.write(b".\r\n")
        dot = time.perf_counter()
        await writer.drain()
        reply = await read_reply(reader, args.timeout)
        elapsed = time.perf_counter() - dot
        if not reply.startswith("250"):
            raise ConnectionError(f"message refused: {reply}")
        return elapsed

    async def close(self):
        if self.writer is None:
            return
        try:
            self.writer.write(b"QUIT\r\n")
            await asyncio.wait_for(self.writer.drain(), 5)
        except (ConnectionError, asyncio.TimeoutError):
            pass
        self.writer.close()


async def run(args):
    body = message_body(args.size)
    sessions = [Session(args) for _ in range(args.connections)]
    await asyncio.gather(*(s.open() for s in sessions))
    idle = asyncio.Queue()
    for session in sessions:
        idle.put_nowait(session)
    latencies, failures = [], []
    start = time.perf_counter()

    async def one(planned):
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        session = await idle.get()
        try:
            latencies.append(await session.send(body))
        except (ConnectionError, asyncio.TimeoutError, OSError) as error:
            failures.append(str(error))
            await session.close()
            session = Session(args)
            try:
                await session.open()
            except (ConnectionError, asyncio.TimeoutError, OSError) as reopen:
                failures.append(f"reconnect: {reopen}")
        idle.put_nowait(session)

    tasks = [asyncio.create_task(one(start + i / args.rate)) for i in range(args.count)]
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    await asyncio.gather(*(s.close() for s in sessions))
    return latencies, failures, wall


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def main():
    args = parse_args()
    latencies, failures, wall = asyncio.run(run(args))
    if not latencies:
        print("no message was accepted", file=sys.stderr)
        for failure in failures[:5]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    values = sorted(latencies)
    ms = lambda seconds: f"{seconds * 1000:.2f}"
    print(
        f"offered {args.rate:.0f} msg/s, reached {len(values) / wall:.0f} msg/s; "
        f"{len(values)} accepted, {len(failures)} failed; final dot to 250 in ms: "
        f"p50 {ms(percentile(values, 0.50))} p90 {ms(percentile(values, 0.90))} "
        f"p99 {ms(percentile(values, 0.99))} max {ms(values[-1])} "
        f"mean {ms(statistics.fmean(values))}"
    )
    for failure in failures[:5]:
        print(f"  failure: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
