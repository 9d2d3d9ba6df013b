#!/usr/bin/python3
"""Benchmark clients for scripts/bench.sh that keep one process for many connections (asyncssh).

  idle  PORT KEY N      open N authenticated SFTP sessions (each from its own 127.x.y.z source
                        address, so per-address limits do not apply), print "ready", hold them
                        until stdin closes, then close them.
  conns PORT KEY N PATH N sequential connections: connect, publickey auth, SFTP init, stat PATH,
                        close; prints connections per second.
"""
import asyncio, os, sys, time, warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402


def opts(port, key, source=None):
    o = dict(host="127.0.0.1", port=port, username=os.environ.get("BENCH_USER", "root"),
             client_keys=[key], known_hosts=None, agent_path=None, compression_algs=None)
    if source:
        o["local_addr"] = (source, 0)
    return o


async def idle(port, key, n):
    key = asyncssh.read_private_key(key)
    held, sem = [], asyncio.Semaphore(8)

    async def one(i):
        async with sem:
            src = f"127.{1 + i // 60000}.{(i // 250) % 240 + 1}.{i % 250 + 1}"
            for attempt in range(5):
                try:
                    conn = await asyncssh.connect(**opts(port, key, src))
                    sftp = await conn.start_sftp_client()
                    await sftp.stat(".")
                    held.append((conn, sftp))
                    return
                except (OSError, asyncssh.Error):
                    await asyncio.sleep(0.5 * (attempt + 1))
            raise RuntimeError(f"session {i} could not be opened")

    await asyncio.gather(*(one(i) for i in range(n)))
    print(f"ready {len(held)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for conn, sftp in held:
        sftp.exit()
        conn.close()


async def conns(port, key, n, path):
    key = asyncssh.read_private_key(key)
    start = time.perf_counter()
    for _ in range(n):
        async with asyncssh.connect(**opts(port, key)) as conn:
            async with conn.start_sftp_client() as sftp:
                await sftp.stat(path)
    print(f"{n / (time.perf_counter() - start):.1f}")


if __name__ == "__main__":
    cmd, port, key, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    if cmd == "idle":
        asyncio.run(idle(port, key, n))
    else:
        asyncio.run(conns(port, key, n, sys.argv[5]))
