#!/usr/bin/env python3
"""`whosecures serve` under attack: what a hostile or broken client can make the preview hold.

Runs three attacks in turn against one preview of the embedded knowledge base and prints, for
each, the server's resident memory (peak and after), its thread count, and how long a normal
request took meanwhile (median and worst of one request every 0.2 s):

  flood      CLIENTS connections each send one endless header line as fast as they can, and
             reconnect when closed (upstream tiny_http 0.12 read a header line without bound:
             58 -> 706 MiB for one line);
  slowloris  1,500 connections each send a request head one byte every 2 s and never finish
             (upstream kept every one open, a thread each, for as long as they dripped);
  body       connections declare a 100 GB body (upstream allocated the whole declared length
             when it skipped an unread body).

Usage: bench/serve-attack.py [--bin PATH] [--seconds 20] [--slowloris 1500] [--clients 8]
Compare two binaries by running it once with each `--bin` in the same session. Everything runs
on 127.0.0.1.
"""
import argparse, os, socket, statistics, sys, tempfile, threading, time

from serve_start import start

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["Threads"])


def get(port, path="/services/s3.html"):
    """One normal request; (status, seconds) or (0, seconds) when it failed."""
    t = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        code = int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else 0
    except OSError as e:
        code = f"0 ({e})"
    return code, time.perf_counter() - t


class Probe(threading.Thread):
    """Samples memory and threads, and times a normal request, every 0.2 s until stopped."""

    def __init__(self, pid, port):
        super().__init__(daemon=True)
        self.pid, self.port = pid, port
        self.rss, self.threads, self.latency, self.failed, self.failures = [], [], [], 0, []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            rss, threads = status(self.pid)
            self.rss.append(rss)
            self.threads.append(threads)
            code, took = get(self.port)
            if code == 200:
                self.latency.append(took)
            else:
                self.failed += 1
                self.failures.append(f"{code} after {took:.1f} s")
            time.sleep(0.2)

    def report(self, name):
        self.stop.set()
        self.join()
        rss, threads = status(self.pid)
        lat = sorted(self.latency) or [float("nan")]
        print(f"{name:10} peak RSS {max(self.rss):5} MiB, after {rss:4} MiB; "
              f"threads peak {max(self.threads):5}, after {threads:4}; normal requests: "
              f"{len(self.latency)} answered, median {statistics.median(lat) * 1000:.1f} ms, "
              f"worst {lat[-1] * 1000:.1f} ms, {self.failed} failed", flush=True)
        for failure in self.failures:
            print(f"{'':10} failed: status {failure}", flush=True)


def flood(port, clients, seconds):
    line = b"X-Flood: " + b"a" * (1 << 20)

    def one():
        end = time.time() + seconds
        while time.time() < end:  # the server closed it (what a bounded server does): again
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
                    while time.time() < end:
                        s.sendall(line)
            except OSError:
                pass

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def slowloris(port, count, seconds):
    socks = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            break
    head = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-a: b\r\n" * 10_000
    sent, closed, end = 0, 0, time.time() + seconds
    while time.time() < end and socks:
        alive = []
        for s in socks:
            try:
                s.send(head[sent:sent + 1])
                alive.append(s)
            except OSError:
                closed += 1
                s.close()
        socks = alive
        sent += 1
        time.sleep(2)
    for s in socks:
        s.close()
    return count, closed


def body(port, clients):
    for _ in range(clients):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000000\r\n\r\n")
                s.sendall(b"a" * 65536)
                s.recv(100)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "whosecures"))
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--slowloris", type=int, default=1500)
    ap.add_argument("--clients", type=int, default=8)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory() as work:
        proc, port = start([args.bin, "serve", "-p", "0"], work)
        if proc is None:
            sys.exit("server did not start")
        try:
            for _ in range(20):
                get(port)
            rss, threads = status(proc.pid)
            print(f"{args.bin}: started at {rss} MiB RSS, {threads} threads", flush=True)

            probe = Probe(proc.pid, port)
            probe.start()
            flood(port, args.clients, args.seconds)
            probe.report("flood")

            probe = Probe(proc.pid, port)
            probe.start()
            opened, closed = slowloris(port, args.slowloris, args.seconds)
            probe.report("slowloris")
            print(f"{'':10} {opened} slow connections opened, {closed} closed by the server "
                  f"within {args.seconds} s", flush=True)

            probe = Probe(proc.pid, port)
            probe.start()
            body(port, args.clients)
            time.sleep(1)
            probe.report("body")
            alive = proc.poll() is None and get(port)[0] == 200
            print(f"server {'still answers' if alive else 'DIED'}", flush=True)
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
