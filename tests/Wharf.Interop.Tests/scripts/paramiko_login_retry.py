"""A legitimate password login in the middle of a storm, in its own process (not sharing a GIL with the storm's threads).

usage: paramiko_login_retry.py PORT USER PASSWORD READY_MARKER START_MARKER

Connects, finishes the key exchange and asks for the methods (auth none) first, then creates READY_MARKER and waits for
START_MARKER to appear. Then sends the password, again on the same connection whenever it is
refused (a full verification queue fails an attempt at once), and opens SFTP. Prints one JSON
line: attempts, seconds from the first attempt to success, whether SFTP worked.
"""
import json
import logging
import os
import sys
import time

import paramiko

logging.getLogger("paramiko").setLevel(logging.CRITICAL + 1)
port, user, password, ready, start_marker = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
result = {"attempts": 0, "seconds": None, "sftp": False, "error": None}
t = paramiko.Transport(("127.0.0.1", port))
t.start_client(timeout=60)
# Ask which methods there are, as OpenSSH's client does first: from then on the connection is
# authenticating, which the server's admission never displaces for a newcomer (docs/availability.md);
# a connection that sits after its key exchange without asking is idle and may give way.
try:
    t.auth_none(user)
except paramiko.BadAuthenticationType:
    pass
open(ready, "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(start_marker) and time.monotonic() < deadline:
    time.sleep(0.01)
start = time.monotonic()
try:
    while time.monotonic() - start < 60:
        result["attempts"] += 1
        try:
            t.auth_password(user, password)
            result["seconds"] = round(time.monotonic() - start, 3)
            break
        except paramiko.AuthenticationException:
            continue
    if result["seconds"] is not None:
        paramiko.SFTPClient.from_transport(t).listdir(".")
        result["sftp"] = True
except Exception as e:
    result["error"] = repr(e)
finally:
    t.close()
print(json.dumps(result))
