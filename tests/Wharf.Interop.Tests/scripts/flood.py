"""Holds hostile connections against an SSH server until stdin closes or the time runs out.

usage: flood.py PORT [--idle N] [--trickle N] [--version N] [--kexinit N] [--brute N] [--seconds S] [--user U] [--source ADDR]

  idle     connects and sends nothing
  trickle  sends "SSH-2.0-" a byte every 500 ms and never ends the line
  version  sends a whole identification line, then nothing (no KEXINIT)
  kexinit  sends its identification line and a KEXINIT, then nothing (the key exchange never goes on)
  brute    asyncssh logins with wrong passwords, one after another per worker

Every worker reconnects two seconds after the server closes it, so the pressure stays. Prints
"ready" once every worker has started, and a summary line "connects N closed-by-server M
brute-attempts B" at the end. Used by FloodTests and scripts/flood.sh (same flood for Wharf and sshd).
"""
import argparse
import asyncio
import os
import struct
import sys

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("--idle", type=int, default=0)
p.add_argument("--trickle", type=int, default=0)
p.add_argument("--version", type=int, default=0)
p.add_argument("--kexinit", type=int, default=0)
p.add_argument("--brute", type=int, default=0)
p.add_argument("--seconds", type=float, default=120)
p.add_argument("--user", default="u")
p.add_argument("--source", default=None, help="local address to connect from (e.g. 127.0.0.2)")
a = p.parse_args()
stats = {"connects": 0, "closed": 0, "brute": 0}


def kexinit_packet():
    """An unencrypted SSH_MSG_KEXINIT binary packet (RFC 4253 sections 6 and 7.1)."""
    def name_list(s):
        return struct.pack(">I", len(s)) + s
    lists = [b"curve25519-sha256", b"ssh-ed25519", b"aes128-ctr", b"aes128-ctr", b"hmac-sha2-256",
             b"hmac-sha2-256", b"none", b"none", b"", b""]
    payload = bytes([20]) + os.urandom(16) + b"".join(name_list(x) for x in lists) + b"\x00" + struct.pack(">I", 0)
    padding = 8 - (len(payload) + 5) % 8
    if padding < 4:
        padding += 8
    return struct.pack(">IB", len(payload) + padding + 1, padding) + payload + os.urandom(padding)


async def hold(kind):
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", a.port, local_addr=(a.source, 0) if a.source else None)
        except OSError:
            await asyncio.sleep(0.25)
            continue
        stats["connects"] += 1
        try:
            if kind in ("version", "kexinit"):
                writer.write(b"SSH-2.0-Squatter\r\n" + (kexinit_packet() if kind == "kexinit" else b""))
                await writer.drain()
            if kind == "trickle":
                for b in b"SSH-2.0-" * 1000:
                    writer.write(bytes([b]))
                    await writer.drain()
                    try:
                        if await asyncio.wait_for(reader.read(65536), 0.5) == b"":
                            break
                    except asyncio.TimeoutError:
                        pass
            else:
                while await reader.read(65536):
                    pass
            stats["closed"] += 1
        except (OSError, asyncio.IncompleteReadError):
            stats["closed"] += 1
        finally:
            writer.close()
        await asyncio.sleep(2)


async def brute():
    import asyncssh
    while True:
        try:
            async with asyncssh.connect("127.0.0.1", a.port, username=a.user, password="wrong-password",
                                        known_hosts=None, client_keys=None, agent_path=None,
                                        preferred_auth="password", login_timeout=30,
                                        local_addr=(a.source, 0) if a.source else None):
                pass
        except Exception:
            pass
        stats["brute"] += 1
        await asyncio.sleep(0.05)


async def main():
    tasks = [asyncio.create_task(hold(k)) for k, n in (("idle", a.idle), ("trickle", a.trickle), ("version", a.version), ("kexinit", a.kexinit)) for _ in range(n)]
    tasks += [asyncio.create_task(brute()) for _ in range(a.brute)]
    await asyncio.sleep(1)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    await asyncio.wait([stdin_closed, asyncio.ensure_future(asyncio.sleep(a.seconds))], return_when=asyncio.FIRST_COMPLETED)
    print(f"connects {stats['connects']} closed-by-server {stats['closed']} brute-attempts {stats['brute']}", flush=True)
    for t in tasks:
        t.cancel()


asyncio.run(main())
sys.stdout.flush()
import os
os._exit(0)
