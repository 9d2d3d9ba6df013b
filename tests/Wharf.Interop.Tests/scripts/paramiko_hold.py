"""Logs in over SFTP and stays connected until the server ends the connection.

usage: paramiko_hold.py PORT USER PASSWORD [SECONDS]
Prints "connected" once the SFTP session is up, then lists the home every 0.2 s. Prints
"disconnected" and exits 0 when the server closes the connection; exits 2 if it is still
connected after SECONDS (default 60), 1 if it could not log in.
"""
import sys
import time
import paramiko

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
try:
    transport = paramiko.Transport(("127.0.0.1", port))
    transport.connect(username=user, password=password)
    sftp = paramiko.SFTPClient.from_transport(transport)
    sftp.listdir(".")
except Exception as e:  # noqa: BLE001 - any failure to log in is reported the same way
    print("login failed:", e, flush=True)
    sys.exit(1)

print("connected", flush=True)
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        sftp.listdir(".")
    except Exception as e:  # noqa: BLE001 - EOF, socket or SSH errors all mean the server hung up
        print("disconnected:", type(e).__name__, e, flush=True)
        sys.exit(0)
    if not transport.is_active():
        print("disconnected: transport closed", flush=True)
        sys.exit(0)
    time.sleep(0.2)
print("still connected after", limit, "seconds", flush=True)
sys.exit(2)
