"""A login storm: CLIENTS threads each connect, send one wrong password and disconnect.

usage: paramiko_login_storm.py PORT USER WRONG_PASSWORD CLIENTS HALF_MARKER

A connection refused or closed before the server has answered anything about authentication
(the server admits a bounded number of unauthenticated connections at once, and one that waits
idle before authenticating may give way to a newcomer) is retried shortly after, until every
client has had its answer. Each client asks for the methods (auth none) first, as OpenSSH's does;
from then on the server must answer its password, so a connection lost after that is an error. HALF_MARKER is created
once half of them have sent their password (paramiko_login_retry.py waits for it). Prints one
JSON line with the counts.
"""
import json
import logging
import random
import sys
import threading
import time

import paramiko

# Refused connections are expected by the thousand: keep paramiko's tracebacks out of stderr.
logging.getLogger("paramiko").setLevel(logging.CRITICAL + 1)
logging.getLogger("paramiko").addHandler(logging.NullHandler())

port = int(sys.argv[1])
storm_user, wrong = sys.argv[2:4]
clients = int(sys.argv[4])
marker = sys.argv[5]

lock = threading.Lock()
counts = {"sent": 0, "failed": 0, "refused_connections": 0, "errors": 0}
errors = []
deadline = time.monotonic() + 120


def bump(key, n=1):
    with lock:
        counts[key] += n
        return counts[key]


def storm(i):
    while time.monotonic() < deadline:
        t = None
        try:
            t = paramiko.Transport(("127.0.0.1", port))
            t.banner_timeout = 30
            t.start_client(timeout=30)
            try:
                t.auth_none(storm_user)
            except paramiko.BadAuthenticationType:
                pass  # the answer: which methods may continue
        except Exception:
            # Refused at accept (no pre-authentication slot free), or closed while it waited
            # before authenticating (given way to a newcomer): try again shortly.
            bump("refused_connections")
            if t is not None:
                t.close()
            time.sleep(random.uniform(0.05, 0.25))
            continue
        try:
            if bump("sent") == clients // 2:
                open(marker, "w").close()
            t.auth_password(storm_user, wrong)
            bump("errors")
            errors.append(f"client {i}: wrong password accepted")
        except paramiko.AuthenticationException:
            bump("failed")
        except Exception as e:
            bump("errors")
            errors.append(f"client {i}: {e!r}")
        finally:
            t.close()
        return


started = time.monotonic()
threads = [threading.Thread(target=storm, args=(i,)) for i in range(clients)]
for th in threads:
    th.start()
for th in threads:
    th.join()
storm_seconds = round(time.monotonic() - started, 3)
print(json.dumps({**counts, "storm_seconds": storm_seconds, "error_samples": errors[:5]}))
