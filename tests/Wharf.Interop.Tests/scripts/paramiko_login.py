"""One paramiko password login and SFTP stat; prints "ok SECONDS" or "fail ...".

usage: paramiko_login.py PORT USER PASSWORD
"""
import sys
import time
import paramiko

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = time.monotonic()
try:
    t = paramiko.Transport(("127.0.0.1", port))
    t.banner_timeout = 30
    t.connect(username=user, password=password)
    sftp = paramiko.SFTPClient.from_transport(t)
    sftp.stat(".")
    t.close()
    print("ok", round(time.monotonic() - start, 3))
except Exception as e:
    print("fail", type(e).__name__, e)
    sys.exit(1)
