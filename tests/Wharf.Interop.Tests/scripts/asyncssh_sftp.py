#!/usr/bin/python3
"""SFTP with asyncssh (Debian's python3-asyncssh) against a test server on 127.0.0.1.

usage: asyncssh_sftp.py PORT USER AUTH [options] OP [ARG...]
  AUTH is password:SECRET or key:PATH. The server's host key is accepted as it comes
  (known_hosts=None: these are tests against a server started a moment ago).
options:
  --rekey-bytes N      asyncssh starts a key exchange after every N bytes it sends (its
                       default is 1 GiB)
  --compression NAME   offer only NAME (none, zlib@openssh.com); default: asyncssh's own list
ops (one line per result, "ok ..." or "fail NAME: error"; exit status 1 if any failed):
  ops DIR                  mkdir DIR, then put, get, listdir, stat, rename, remove, rmdir in it
  symlink DIR              symlink(oldpath=target.txt, newpath=DIR/link.txt) as os.symlink does,
                           then prints "readlink VALUE" and "content VALUE" read through the link
  put LOCAL REMOTE         upload
  get REMOTE LOCAL         download
  roundtrip LOCAL REMOTE BACK   put, then get back, over one connection
"""
import asyncio
import os
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
import asyncssh  # noqa: E402

failures = 0


def report(ok, name, detail=""):
    global failures
    if not ok:
        failures += 1
    print(("ok " if ok else "fail ") + name + (" " + detail if detail else ""), flush=True)


async def attempt(name, coroutine, detail=""):
    try:
        result = await coroutine
        report(True, name, detail)
        return result
    except (asyncssh.SFTPError, OSError) as e:
        report(False, name + ":", f"{type(e).__name__} {e}")
        return None


async def ops(sftp, d):
    await attempt("mkdir", sftp.mkdir(d))
    with tempfile.TemporaryDirectory() as local:
        src = os.path.join(local, "a.txt")
        with open(src, "wb") as f:
            f.write(b"hello from asyncssh\n" * 1000)
        await attempt("put", sftp.put(src, d + "/a.txt"))
        back = os.path.join(local, "back.txt")
        await attempt("get", sftp.get(d + "/a.txt", back))
        with open(src, "rb") as f1, open(back, "rb") as f2:
            report(f1.read() == f2.read(), "get-content")
    await attempt("mkdir", sftp.mkdir(d + "/sub"), "sub")
    names = await attempt("listdir", sftp.listdir(d))
    if names is not None:
        print("names " + ",".join(sorted(n for n in names if n not in (".", ".."))), flush=True)
    attrs = await attempt("stat", sftp.stat(d + "/a.txt"))
    if attrs is not None:
        print(f"size {attrs.size}", flush=True)
    await attempt("rename", sftp.rename(d + "/a.txt", d + "/b.txt"))
    report(not await sftp.exists(d + "/a.txt") and await sftp.exists(d + "/b.txt"), "renamed")
    await attempt("remove", sftp.remove(d + "/b.txt"))
    await attempt("rmdir", sftp.rmdir(d + "/sub"), "sub")
    names = await attempt("listdir", sftp.listdir(d), "after")
    if names is not None:
        print("names-after " + ",".join(sorted(n for n in names if n not in (".", ".."))), flush=True)
    await attempt("rmdir", sftp.rmdir(d))
    report(not await sftp.exists(d), "gone")


async def symlink(sftp, d):
    if not await sftp.exists(d):
        await sftp.mkdir(d)
    async with sftp.open(d + "/target.txt", "wb") as f:
        await f.write(b"through the link\n")
    # As os.symlink(src, dst): the link is created at newpath and points to oldpath.
    await attempt("symlink", sftp.symlink("target.txt", d + "/link.txt"))
    target = await attempt("readlink", sftp.readlink(d + "/link.txt"))
    print(f"readlink {target}", flush=True)
    try:
        async with sftp.open(d + "/link.txt", "rb") as f:
            content = (await f.read()).decode().strip()
    except (asyncssh.SFTPError, OSError) as e:
        content = f"error {e}"
    print(f"content {content}", flush=True)


async def main(argv):
    port, user, auth = int(argv[0]), argv[1], argv[2]
    args = argv[3:]
    options = dict(host="127.0.0.1", port=port, username=user, known_hosts=None, agent_path=None)
    if auth.startswith("password:"):
        options.update(password=auth[len("password:"):], client_keys=None, preferred_auth="password")
    elif auth.startswith("key:"):
        options.update(client_keys=[auth[len("key:"):]], preferred_auth="publickey")
    else:
        raise SystemExit("AUTH must be password:SECRET or key:PATH")
    while args and args[0].startswith("--"):
        if args[0] == "--rekey-bytes":
            options["rekey_bytes"] = int(args[1])
        elif args[0] == "--compression":
            options["compression_algs"] = [args[1]]
        else:
            raise SystemExit("unknown option " + args[0])
        args = args[2:]
    op, rest = args[0], args[1:]

    async with asyncssh.connect(**options) as conn:
        async with conn.start_sftp_client() as sftp:
            if op == "ops":
                await ops(sftp, rest[0])
            elif op == "symlink":
                await symlink(sftp, rest[0])
            elif op == "put":
                await attempt("put", sftp.put(rest[0], rest[1]), str(os.path.getsize(rest[0])))
            elif op == "get":
                await attempt("get", sftp.get(rest[0], rest[1]))
            elif op == "roundtrip":
                await attempt("put", sftp.put(rest[0], rest[1]), str(os.path.getsize(rest[0])))
                await attempt("get", sftp.get(rest[1], rest[2]))
            else:
                raise SystemExit("unknown op " + op)
    return 1 if failures else 0


sys.exit(asyncio.run(main(sys.argv[1:])))
