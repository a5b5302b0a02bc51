#!/usr/bin/env python3
"""What one synced write costs on this disk, three ways.

Each group commit appends its bodies to a spool segment and syncs them
before the 250 (crates/store/src/sqlite/spool.rs). This times that pattern
alone, with nothing else running in the process: COUNT writes of SIZE
bytes, each followed by fdatasync, into a file that

  grows      is appended to, as a spool segment is;
  zeroed     was written full of zeros first and is overwritten in place
             (what a segment written ahead would be; see
             docs/benchmarks.md, "Segments written ahead");
  fallocate  was reserved with posix_fallocate but never written (its
             blocks are "unwritten", so each overwrite still changes
             metadata).

It prints syncs per second, the latency of write plus sync (p50, p99) and
the CPU time this process spent per sync. Run it where the store lives:

    bench/fsync.py                     # in $TMPDIR (default /tmp)
    DIR=/var/lib/mailflow bench/fsync.py
    COUNT=5000 SIZE=4096 ROUNDS=3 bench/fsync.py
"""

import os
import resource
import tempfile
import time

COUNT = int(os.environ.get("COUNT", "2000"))
SIZE = int(os.environ.get("SIZE", "20480"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
DIR = os.environ.get("DIR", tempfile.gettempdir())
ZERO_CHUNK = 1 << 20


def prepare(fd, way):
    """Readies the file the way `way` names; returns whether writes append."""
    size = COUNT * SIZE
    if way == "zeroed":
        zeros = b"\0" * ZERO_CHUNK
        left = size
        while left > 0:
            left -= os.write(fd, zeros[: min(left, ZERO_CHUNK)])
        os.fsync(fd)
    elif way == "fallocate":
        os.posix_fallocate(fd, 0, size)
        os.fsync(fd)
    return way == "grows"


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(way):
    fd, path = tempfile.mkstemp(prefix="mailflow-fsync-", dir=DIR)
    try:
        appends = prepare(fd, way)
        data = b"x" * SIZE
        latencies = []
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        for i in range(COUNT):
            start = time.perf_counter()
            if appends:
                os.write(fd, data)
            else:
                os.pwrite(fd, data, i * SIZE)
            os.fdatasync(fd)
            latencies.append(time.perf_counter() - start)
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    finally:
        os.close(fd)
        os.remove(path)
    latencies.sort()
    p50 = latencies[COUNT // 2] * 1000
    p99 = latencies[min(COUNT - 1, COUNT * 99 // 100)] * 1000
    print(
        f"{way:10s} {COUNT / elapsed:7.0f} syncs/s   p50 {p50:.3f} ms   "
        f"p99 {p99:.3f} ms   CPU {cpu / COUNT * 1e6:6.1f} us per sync"
    )


def main():
    print(f"{COUNT} writes of {SIZE} bytes, each synced, in {DIR}")
    for _ in range(ROUNDS):
        for way in ("grows", "zeroed", "fallocate"):
            run(way)


if __name__ == "__main__":
    main()
