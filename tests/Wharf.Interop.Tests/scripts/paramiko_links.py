"""SFTP extension requests that OpenSSH's sftp cannot send, for permission tests.

usage: paramiko_links.py PORT USER KEYFILE OP [OP...]
Each OP is NAME:PATH[:PATH]; prints "ok NAME" or "refused NAME ERRNO" per OP, in order.
  hardlink:OLD:NEW    hardlink@openssh.com
  truncate:PATH       setstat with size 0
  copydata:SRC:DST    open SRC for reading, DST for writing, copy-data all of SRC into DST
  checkfile:PATH      check-file-name with sha256
"""
import sys
import paramiko
from paramiko.sftp import CMD_EXTENDED

try:
    from paramiko.sftp import int64  # paramiko 3
except ImportError:
    from paramiko.py3compat import long as int64  # paramiko 2: the same marker for a uint64 argument

port, user, keyfile, ops = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
transport = paramiko.Transport(("127.0.0.1", port))
transport.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(keyfile))
sftp = paramiko.SFTPClient.from_transport(transport)


def copydata(src, dst):
    with sftp.open(src, "rb") as s, sftp.open(dst, "wb") as d:
        sftp._request(CMD_EXTENDED, "copy-data", s.handle, int64(0), int64(0), d.handle, int64(0))


for op in ops:
    name, *paths = op.split(":")
    try:
        if name == "hardlink":
            sftp._request(CMD_EXTENDED, "hardlink@openssh.com", paths[0], paths[1])
        elif name == "truncate":
            sftp.truncate(paths[0], 0)
        elif name == "copydata":
            copydata(paths[0], paths[1])
        elif name == "checkfile":
            sftp._request(CMD_EXTENDED, "check-file-name", paths[0], "sha256", int64(0), int64(0), 0)
        else:
            raise SystemExit("unknown op " + name)
        print("ok", name)
    except IOError as e:
        print("refused", name, e.errno)
    sys.stdout.flush()

sftp.close()
transport.close()
