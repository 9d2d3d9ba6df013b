"""paramiko SFTP scenarios against a Wharf test server.

usage: paramiko_sftp.py PORT USER PASSWORD MODE [ARGS...]
Each mode prints lines "ok <what>" or "fail <what>: <detail>" and exits 1 on any failure.
"""
import errno
import hashlib
import os
import stat
import sys
import paramiko

port, user, password, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
transport = paramiko.Transport(("127.0.0.1", port))
transport.connect(username=user, password=password)
sftp = paramiko.SFTPClient.from_transport(transport)
failures = 0


def check(what, cond, detail=""):
    global failures
    if cond:
        print("ok", what)
    else:
        failures += 1
        print("fail", what + ":", detail)


def expect_error(what, fn, code):
    """code: an errno paramiko maps SFTP statuses to (ENOENT for NO_SUCH_FILE, EACCES for PERMISSION_DENIED), or None for any IOError."""
    try:
        fn()
    except IOError as e:
        check(what, code is None or e.errno == code, f"errno {e.errno} {e}")
        return
    check(what, False, "no error")


def roundtrip(sizes):
    for size in sizes:
        data = os.urandom(size)
        name = f"rt-{size}.bin"
        with sftp.open(name, "wb") as f:
            f.set_pipelined(True)
            for off in range(0, size, 1 << 20):
                f.write(data[off:off + (1 << 20)])
        check(f"stat size {size}", sftp.stat(name).st_size == size, str(sftp.stat(name).st_size))
        with sftp.open(name, "rb") as f:
            f.prefetch(size)
            back = f.read(size) if size else f.read()
        check(f"roundtrip {size}", hashlib.sha256(back).digest() == hashlib.sha256(data).digest(), f"got {len(back)} bytes")


def ops():
    with sftp.open("offsets.bin", "wb") as f:
        f.write(b"A" * 10)
        f.seek(20)
        f.write(b"B" * 5)
    with sftp.open("offsets.bin", "rb") as f:
        body = f.read()
    check("write at offset leaves a hole of zeros", body == b"A" * 10 + b"\0" * 10 + b"B" * 5, repr(body))
    with sftp.open("offsets.bin", "r+b") as f:
        f.seek(3)
        f.write(b"xyz")
        f.seek(2)
        check("read at offset", f.read(5) == b"Axyz" + b"A", "")
    with sftp.open("append.txt", "w") as f:
        f.write(b"one\n")
    with sftp.open("append.txt", "a") as f:
        f.write(b"two\n")
    check("append", sftp.open("append.txt").read() == b"one\ntwo\n", "")
    sftp.truncate("append.txt", 3)
    check("truncate", sftp.open("append.txt").read() == b"one", "")
    expect_error("exclusive create of an existing file", lambda: sftp.open("append.txt", "wx"), None)
    with sftp.open("fresh.txt", "wx") as f:
        f.write(b"new")
    check("exclusive create of a new file", sftp.stat("fresh.txt").st_size == 3, "")
    sftp.chmod("fresh.txt", 0o640)
    check("chmod", stat.S_IMODE(sftp.stat("fresh.txt").st_mode) == 0o640, oct(sftp.stat("fresh.txt").st_mode))
    sftp.utime("fresh.txt", (1_000_000_000, 1_100_000_000))
    st = sftp.stat("fresh.txt")
    check("utime", st.st_mtime == 1_100_000_000 and st.st_atime == 1_000_000_000, f"{st.st_atime} {st.st_mtime}")
    sftp.mkdir("dir")
    check("mkdir + stat is a directory", stat.S_ISDIR(sftp.stat("dir").st_mode), "")
    sftp.rename("fresh.txt", "dir/renamed.txt")
    check("rename", "renamed.txt" in sftp.listdir("dir"), "")
    with sftp.open("other.txt", "w") as f:
        f.write(b"other")
    expect_error("rename over an existing file fails (v3)", lambda: sftp.rename("other.txt", "dir/renamed.txt"), None)
    sftp.posix_rename("other.txt", "dir/renamed.txt")
    check("posix-rename replaces", sftp.open("dir/renamed.txt").read() == b"other", "")
    sftp.symlink("dir/renamed.txt", "link")
    check("symlink + readlink", sftp.readlink("link") in ("dir/renamed.txt", "/dir/renamed.txt"), sftp.readlink("link"))
    check("lstat sees the link", stat.S_ISLNK(sftp.lstat("link").st_mode), "")
    check("stat follows the link", sftp.stat("link").st_size == 5, "")
    check("normalize", sftp.normalize(".") == "/" and sftp.normalize("dir/../dir/./x") == "/dir/x", sftp.normalize("."))
    expect_error("open a missing file", lambda: sftp.open("missing.txt"), errno.ENOENT)
    expect_error("stat a missing file", lambda: sftp.stat("nope/deeper"), errno.ENOENT)
    expect_error("remove a directory with remove", lambda: sftp.remove("dir"), None)
    expect_error("rmdir of a non-empty directory", lambda: sftp.rmdir("dir"), None)
    expect_error("mkdir of an existing directory", lambda: sftp.mkdir("dir"), None)
    expect_error("listdir of a file", lambda: sftp.listdir("offsets.bin"), None)
    sftp.remove("link")
    sftp.remove("dir/renamed.txt")
    sftp.rmdir("dir")
    check("remove + rmdir", "dir" not in sftp.listdir("."), "")


def listing(directory, count):
    names = sftp.listdir(directory)
    check(f"listdir returns {count} entries", len(names) == count, str(len(names)))
    check("no duplicates", len(set(names)) == len(names), "")
    expected = {f"f{i:05d}" for i in range(count)}
    check("none missing", set(names) == expected, str(len(expected - set(names))))


def escape():
    attempts = [
        lambda: sftp.open("../outside/secret.txt"),
        lambda: sftp.open("/../outside/secret.txt"),
        lambda: sftp.open("../../../../etc/passwd"),
        lambda: sftp.stat("/../outside"),
        lambda: sftp.listdir("../outside"),
        lambda: sftp.open("../outside/new.txt", "w"),
        lambda: sftp.mkdir("../outside/newdir"),
        lambda: sftp.remove("../outside/secret.txt"),
        lambda: sftp.rename("../outside/secret.txt", "stolen.txt"),
        lambda: sftp.symlink("/etc/passwd", "ln-abs-etc"),
        lambda: sftp.symlink("../outside/secret.txt", "ln-rel-out"),
        lambda: sftp.symlink("../../../../../../etc", "ln-deep"),
    ]
    for i, a in enumerate(attempts):
        try:
            r = a()
            # Opening "../x" is confined to "/x", which must not exist or be created outside.
            if hasattr(r, "close"):
                r.close()
            print("note attempt", i, "succeeded inside the root")
        except IOError as e:
            print("ok attempt", i, "refused:", e.errno)
    # Paths that resolve inside the root are fine, but never reach "outside".
    check("root listing has no 'outside'", "outside" not in sftp.listdir("/"), "")


modes = {"roundtrip": lambda: roundtrip([int(a) for a in args]), "ops": ops, "listing": lambda: listing(args[0], int(args[1])), "escape": escape}
modes[mode]()
sftp.close()
transport.close()
sys.exit(1 if failures else 0)
