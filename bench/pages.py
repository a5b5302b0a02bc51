#!/usr/bin/env python3
"""How fast the admin API's lists and views answer: p50, p95 and max per URL.

Asks each URL of PATHS (below: every list and view a console shows) REPEAT
times over one kept-alive connection, one request at a time, the URLs taken
in turn so that the machine's other load falls on all of them alike. A URL
whose requests have taken TIME_PER_URL seconds in all is asked no more (its
line says how many answers it got). Every answer must be 200; a URL that
answers otherwise stops the run with what it said.

Placeholders in a path are filled from the node before the clock starts:
{message_id} (the newest queued message), {cursor} (where the second page
of the queue starts), {code} (the code of the dead connector's last error),
{connector}, {sender}, {recipient}.

Environment: BASE (e.g. http://127.0.0.1:8025, required), TOKEN (the bearer
token, required unless COOKIE opens the pages), COOKIE (a `Cookie:` header
value sent with every request, for console pages behind a session), REPEAT
(default 30), TIME_PER_URL (seconds, default 60), TARGET_MS (default 200),
JSON (a file to write the figures to), CONNECTOR (default to-dead), SENDER
(default bob@example.test), RECIPIENT (default carol@dead.test), TIMEOUT
(seconds one answer may take, default 60: a URL slower than that is asked
no more and shown with the timeout as its figure).
Loopback only: BASE must be on 127.0.0.1 or localhost.
"""

import http.client
import json
import os
import sys
import time
import urllib.parse

# What is measured, in one place: the API's lists and views, then the
# console's pages (behind a session: COOKIE, or a log-in with TOKEN). Each
# is (label, path); the label is what the table shows.
PATHS = [
    ("insights", "/api/v1/insights"),
    ("insight with history", "/api/v1/insights/{connector}"),
    ("fixes", "/api/v1/fixes"),
    ("alerts", "/api/v1/alerts"),
    ("audit", "/api/v1/audit"),
    ("messages", "/api/v1/messages"),
    ("messages by connector", "/api/v1/messages?connector={connector}"),
    ("messages by code", "/api/v1/messages?code={code}"),
    ("messages by state", "/api/v1/messages?state=queued"),
    ("messages by sender", "/api/v1/messages?sender={sender}"),
    ("messages by recipient", "/api/v1/messages?recipient={recipient}"),
    ("messages by age", "/api/v1/messages?older_than=1m"),
    ("messages, a later page", "/api/v1/messages?cursor={cursor}"),
    ("message", "/api/v1/messages/{message_id}"),
    ("trace by recipient", "/api/v1/trace?recipient={recipient}"),
    ("connectors", "/api/v1/connectors"),
    ("accepted domains", "/api/v1/accepted-domains"),
    ("directory", "/api/v1/directory"),
    ("console: dashboard", "/"),
    ("console: connector", "/connectors/{connector}"),
    ("console: fixes", "/fixes"),
    ("console: fix preview", "/fixes/bounce-all:{connector}"),
    ("console: audit log", "/audit"),
    ("console: queue", "/queue"),
    ("console: queue by connector", "/queue?connector={connector}"),
    ("console: queue by recipient", "/queue?recipient={recipient}"),
    ("console: message", "/messages/{message_id}"),
    ("console: alerts", "/alerts"),
    ("console: accepted domains", "/domains"),
    ("console: directory", "/directory"),
    ("console: settings", "/settings"),
]

BASE = os.environ.get("BASE", "")
TOKEN = os.environ.get("TOKEN", "")
COOKIE = os.environ.get("COOKIE", "")
REPEAT = int(os.environ.get("REPEAT", "30"))
TIME_PER_URL = float(os.environ.get("TIME_PER_URL", "60"))
TARGET_MS = float(os.environ.get("TARGET_MS", "200"))
# One answer slower than this ends the URL's turn: it is shown as timed out.
TIMEOUT = float(os.environ.get("TIMEOUT", "60"))


class TimedOut(Exception):
    pass


class Client:
    """One kept-alive connection to the node; reconnects when it closes."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        if url.hostname not in ("127.0.0.1", "localhost"):
            sys.exit(f"pages: BASE must be on loopback, not {url.hostname}")
        self.host, self.port = url.hostname, url.port or 80
        self.conn = None

    def get(self, path):
        """(status, body bytes, seconds from sending to the last byte)."""
        headers = {"Accept": "application/json"}
        if TOKEN:
            headers["Authorization"] = f"Bearer {TOKEN}"
        if COOKIE:
            headers["Cookie"] = COOKIE
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                start = time.perf_counter()
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                return response.status, body, time.perf_counter() - start
            except TimeoutError as error:
                self.conn.close()
                self.conn = None
                raise TimedOut() from error
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def json(self, path):
        status, body, _ = self.get(path)
        if status != 200:
            sys.exit(f"pages: GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)


def placeholders(client):
    """The values the paths' placeholders stand for, read from the node."""
    connector = os.environ.get("CONNECTOR", "to-dead")
    values = {
        "connector": connector,
        "sender": os.environ.get("SENDER", "bob@example.test"),
        "recipient": os.environ.get("RECIPIENT", "carol@dead.test"),
    }
    page = client.json(f"/api/v1/messages?connector={connector}")
    if not page["messages"] or not page["next_cursor"]:
        sys.exit(f"pages: the queue of {connector} holds less than a page")
    values["message_id"] = page["messages"][0]["id"]
    values["cursor"] = page["next_cursor"]
    insight = client.json(f"/api/v1/insights/{connector}")
    codes = [c["code"] for c in insight.get("by_code", []) if c.get("code")]
    last = (insight.get("last_error") or {}).get("code")
    values["code"] = codes[0] if codes else (last or "4.4.316")
    return {k: urllib.parse.quote(v, safe="@") for k, v in values.items()}


def percentile(sorted_values, fraction):
    """Nearest rank: the smallest value with at least `fraction` at or below it."""
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]


def log_in(base):
    """The console's session cookie for TOKEN, as a browser gets it."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=TIMEOUT)
    form = urllib.parse.urlencode({"token": TOKEN})
    conn.request("POST", "/login", body=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie") or ""
    conn.close()
    if response.status != 303 or not cookie:
        sys.exit(f"pages: log-in to the console answered {response.status}")
    return cookie.split(";")[0]


def main():
    global COOKIE
    if not BASE or not (TOKEN or COOKIE):
        sys.exit("pages: BASE and TOKEN (or COOKIE) are needed")
    if TOKEN and not COOKIE:
        COOKIE = log_in(BASE)
    client = Client(BASE)
    values = placeholders(client)
    urls = [(label, path.format(**values)) for label, path in PATHS]
    times = {label: [] for label, _ in urls}
    spent = {label: 0.0 for label, _ in urls}
    timed_out = set()

    def ask(label, url):
        try:
            return client.get(url)
        except TimedOut:
            timed_out.add(label)
            return None

    # One untimed round first: the first answer of each pays for cold pages.
    for label, url in urls:
        ask(label, url)
    for _ in range(REPEAT):
        for label, url in urls:
            if spent[label] >= TIME_PER_URL or label in timed_out:
                continue
            answer = ask(label, url)
            if answer is None:
                continue
            status, body, seconds = answer
            if status != 200:
                sys.exit(f"pages: GET {url} answered {status}: {body[:300]!r}")
            times[label].append(seconds)
            spent[label] += seconds
    rows = []
    for label, url in urls:
        ms = sorted(t * 1000 for t in times[label])
        if not ms or label in timed_out:
            # Shown as the bound it passed: no answer within TIMEOUT.
            ms = sorted(ms + [TIMEOUT * 1000])
        rows.append({
            "label": label,
            "url": url,
            "n": len(ms),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(ms[-1], 1),
            "timed_out": label in timed_out,
        })
    width = max(len(r["label"]) for r in rows)
    print(f"{'url':<{width}}  {'n':>4}  {'p50 ms':>9}  {'p95 ms':>9}  {'max ms':>9}  p95 < {TARGET_MS:g} ms")
    for r in rows:
        met = "met" if r["p95_ms"] < TARGET_MS else "NOT MET"
        if r["timed_out"]:
            met += f" (an answer took over {TIMEOUT:g} s)"
        print(f"{r['label']:<{width}}  {r['n']:>4}  {r['p50_ms']:>9}  {r['p95_ms']:>9}  {r['max_ms']:>9}  {met}")
    for r in rows:
        print(f"  {r['label']}: GET {r['url']}", file=sys.stderr)
    if os.environ.get("JSON"):
        with open(os.environ["JSON"], "w") as out:
            json.dump(rows, out, indent=1)


if __name__ == "__main__":
    main()
