#!/usr/bin/python3
"""Soak clients for scripts/soak.sh (asyncssh; loopback only).

  soak_client.py --port P --key KEY --user U --clients N --seconds S [--procs K] [--reconnect-every R]
                 [--status-dir DIR] [--seed X]

N clients (spread over K processes, each an asyncio loop) run until S seconds have passed, each in
its own directory /cNN of the user's home, each connecting from its own 127.0.x.y source address
(so the per-address connection limit and the defender see 64 ordinary sources, not one). A client
does a random mix of:

  upload    a new file, 1 KiB-8 MiB (log-uniform size), random content; its SHA-256 is kept
  download  a file it uploaded; the SHA-256 and size must match (else: corrupted)
  list      its directory; the names and sizes must be exactly the ones it expects
  rename    a file to a new name; the new name must exist with the same size, the old must not
  delete    a file; it must be gone afterwards

and reconnects (new TCP connection, key exchange, publickey login, SFTP init) every R operations.
Every mismatch or unexpected exception is an error: counted, printed on stderr, and the run goes
on (after an error the client reconnects and resynchronises its expected state with the server's).
A client holds at most 8 files; with 8 it deletes instead of uploading.

Every 5 s each process writes its counters to DIR/soak-<k>.json; the parent prints a progress
line every 60 s and, at the end, the totals as `TOTALS {json}` on stdout. Exit status 1 if any
error or corruption, else 0.
"""
import argparse, asyncio, hashlib, json, math, multiprocessing, os, random, sys, time, traceback, warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402

KINDS = ("upload", "download", "list", "rename", "delete")
MAX_FILES = 8
MIN_SIZE, MAX_SIZE = 1024, 8 << 20
CHUNK = 256 << 10


def new_stats():
    return {"ops": {k: 0 for k in KINDS}, "op_seconds": {k: 0.0 for k in KINDS}, "bytes_up": 0, "bytes_down": 0,
            "errors": 0, "corrupted": 0, "logins": 0, "login_seconds": 0.0}


class Mismatch(Exception):
    pass


class Client:
    def __init__(self, idx, args, key, stats, rng):
        self.idx, self.args, self.key, self.stats, self.rng = idx, args, key, stats, rng
        self.dir = f"/c{idx:02d}"
        self.source = f"127.0.{1 + idx // 250}.{1 + idx % 250}"
        self.files = {}  # name -> (size, sha256 hex)
        self.counter = 0
        self.conn = self.sftp = None

    def error(self, what, exc=None, corrupted=False):
        self.stats["errors"] += 1
        if corrupted:
            self.stats["corrupted"] += 1
        detail = f"{type(exc).__name__}: {exc}" if exc is not None else ""
        print(f"ERROR {time.strftime('%H:%M:%S')} client {self.idx} {what} {detail}".rstrip(), file=sys.stderr, flush=True)

    async def connect(self):
        await self.close()
        t0 = time.perf_counter()
        self.conn = await asyncio.wait_for(asyncssh.connect(
            host="127.0.0.1", port=self.args.port, username=self.args.user, client_keys=[self.key],
            known_hosts=None, agent_path=None, local_addr=(self.source, 0), compression_algs=None,
            keepalive_interval=30), 60)
        self.sftp = await asyncio.wait_for(self.conn.start_sftp_client(), 60)
        self.stats["logins"] += 1
        self.stats["login_seconds"] += time.perf_counter() - t0

    async def close(self):
        if self.sftp is not None:
            self.sftp.exit()
            self.sftp = None
        if self.conn is not None:
            self.conn.close()
            try:
                await asyncio.wait_for(self.conn.wait_closed(), 10)
            except Exception:
                pass
            self.conn = None

    def name(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter:06d}.bin"

    def path(self, name):
        return f"{self.dir}/{name}"

    async def missing(self, path):
        try:
            await self.sftp.stat(path)
            return False
        except asyncssh.SFTPNoSuchFile:
            return True

    # --- operations -------------------------------------------------------------------------
    async def upload(self):
        size = int(math.exp(self.rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))
        data = os.urandom(size)
        digest = hashlib.sha256(data).hexdigest()
        name = self.name("f")
        async with self.sftp.open(self.path(name), "wb") as f:
            for off in range(0, size, CHUNK):
                await f.write(data[off:off + CHUNK], off)
        self.files[name] = (size, digest)
        self.stats["bytes_up"] += size

    async def download(self):
        name = self.rng.choice(sorted(self.files))
        size, digest = self.files[name]
        h, got = hashlib.sha256(), 0
        async with self.sftp.open(self.path(name), "rb") as f:
            while True:
                block = await f.read(CHUNK, got)
                if not block:
                    break
                h.update(block)
                got += len(block)
        self.stats["bytes_down"] += got
        if got != size or h.hexdigest() != digest:
            raise Mismatch(f"corrupted download {name}: {got} bytes sha256 {h.hexdigest()[:16]}, "
                           f"expected {size} bytes sha256 {digest[:16]}")

    async def listing(self):
        entries = await self.sftp.readdir(self.dir)
        seen = {e.filename: e.attrs.size for e in entries if e.filename not in (".", "..")}
        want = {n: s for n, (s, _) in self.files.items()}
        if seen != want:
            extra = sorted(set(seen) - set(want))
            lost = sorted(set(want) - set(seen))
            sizes = sorted(n for n in set(seen) & set(want) if seen[n] != want[n])
            raise Mismatch(f"listing {self.dir}: unexpected {extra}, missing {lost}, wrong size {sizes}")

    async def rename(self):
        old = self.rng.choice(sorted(self.files))
        new = self.name("r")
        await self.sftp.rename(self.path(old), self.path(new))
        self.files[new] = self.files.pop(old)
        attrs = await self.sftp.stat(self.path(new))
        if attrs.size != self.files[new][0]:
            raise Mismatch(f"rename {old} -> {new}: new name has {attrs.size} bytes, expected {self.files[new][0]}")
        if not await self.missing(self.path(old)):
            raise Mismatch(f"rename {old} -> {new}: old name still exists")

    async def delete(self):
        name = self.rng.choice(sorted(self.files))
        await self.sftp.remove(self.path(name))
        del self.files[name]
        if not await self.missing(self.path(name)):
            raise Mismatch(f"delete {name}: still exists")

    def pick(self):
        if not self.files:
            return "upload"
        kind = self.rng.choices(KINDS, weights=(30, 25, 15, 15, 15))[0]
        if kind == "upload" and len(self.files) >= MAX_FILES:
            kind = "delete"
        return kind

    async def resync(self):
        """After an error: make the expected state and the server's agree again (not counted)."""
        await self.connect()
        entries = await self.sftp.readdir(self.dir)
        seen = {e.filename for e in entries if e.filename not in (".", "..")}
        for n in seen - set(self.files):
            await self.sftp.remove(self.path(n))
        for n in set(self.files) - seen:
            del self.files[n]

    async def run(self, deadline):
        ops = {"upload": self.upload, "download": self.download, "list": self.listing,
               "rename": self.rename, "delete": self.delete}
        try:
            await self.connect()
            await self.sftp.mkdir(self.dir)
        except Exception as e:  # noqa: BLE001
            self.error("initial connect/mkdir", e)
            return
        done = 0
        while time.monotonic() < deadline:
            if done and done % self.args.reconnect_every == 0:
                try:
                    await self.connect()
                except Exception as e:  # noqa: BLE001
                    self.error("reconnect", e)
                    await asyncio.sleep(1)
                    continue
            kind = self.pick()
            t0 = time.perf_counter()
            try:
                await asyncio.wait_for(ops[kind](), 300)
                self.stats["ops"][kind] += 1
                self.stats["op_seconds"][kind] += time.perf_counter() - t0
            except Mismatch as e:
                self.error(kind, e, corrupted=kind == "download")
            except Exception as e:  # noqa: BLE001
                self.error(kind, e)
            else:
                done += 1
                continue
            done += 1
            for attempt in range(5):
                try:
                    await self.resync()
                    break
                except Exception as e:  # noqa: BLE001
                    self.error(f"resync (attempt {attempt + 1})", e)
                    await asyncio.sleep(2)
        await self.close()


def worker(k, indexes, args, out_path):
    stats = new_stats()
    key = asyncssh.read_private_key(args.key)
    deadline = time.monotonic() + args.seconds

    async def dump_loop():
        while True:
            await asyncio.sleep(5)
            write(out_path, stats, False)

    async def main():
        dumper = asyncio.ensure_future(dump_loop())
        clients = [Client(i, args, key, stats, random.Random(args.seed * 1000 + i)) for i in indexes]
        results = await asyncio.gather(*(c.run(deadline) for c in clients), return_exceptions=True)
        for i, r in zip(indexes, results):
            if isinstance(r, BaseException):
                stats["errors"] += 1
                print(f"ERROR client {i} crashed: {''.join(traceback.format_exception(r))}", file=sys.stderr, flush=True)
        dumper.cancel()

    asyncio.run(main())
    write(out_path, stats, True)


def write(path, stats, final):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(dict(stats, final=final), f)
    os.replace(tmp, path)


def merge(paths):
    total = new_stats()
    for p in paths:
        try:
            with open(p) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        for k in KINDS:
            total["ops"][k] += s["ops"][k]
            total["op_seconds"][k] += s["op_seconds"][k]
        for k in ("bytes_up", "bytes_down", "errors", "corrupted", "logins", "login_seconds"):
            total[k] += s[k]
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--procs", type=int, default=min(4, os.cpu_count() or 1))
    p.add_argument("--reconnect-every", type=int, default=50)
    p.add_argument("--status-dir", default=".")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    procs = max(1, min(args.procs, args.clients))
    paths = [os.path.join(args.status_dir, f"soak-{k}.json") for k in range(procs)]
    workers = []
    for k in range(procs):
        w = multiprocessing.Process(target=worker, args=(k, list(range(k, args.clients, procs)), args, paths[k]))
        w.start()
        workers.append(w)
    start = time.monotonic()
    next_report = start + 60
    while any(w.is_alive() for w in workers):
        time.sleep(1)
        if time.monotonic() >= next_report:
            next_report += 60
            t = merge(paths)
            print(f"progress {time.monotonic() - start:6.0f}s ops {sum(t['ops'].values())} logins {t['logins']} "
                  f"up {t['bytes_up'] / 2**20:.0f} MiB down {t['bytes_down'] / 2**20:.0f} MiB "
                  f"errors {t['errors']} corrupted {t['corrupted']}", flush=True)
    total = merge(paths)
    crashed = [k for k, w in enumerate(workers) if w.exitcode != 0]
    if crashed:
        print(f"ERROR worker processes {crashed} exited abnormally", file=sys.stderr, flush=True)
        total["errors"] += len(crashed)
    total["seconds"] = time.monotonic() - start
    print("TOTALS " + json.dumps(total), flush=True)
    sys.exit(1 if total["errors"] or total["corrupted"] else 0)


if __name__ == "__main__":
    main()
