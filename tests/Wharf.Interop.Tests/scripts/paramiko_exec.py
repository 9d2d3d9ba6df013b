"""Connects to a Wharf test host with paramiko and runs one command.

usage: paramiko_exec.py PORT USER (password:PW | key:PATH) COMMAND
Prints the command's stdout, then a line "exit=N kex=... cipher=..." describing the transport.
"""
import sys
import paramiko

port, user, cred, command = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
kwargs = dict(hostname="127.0.0.1", port=port, username=user, allow_agent=False, look_for_keys=False, timeout=20)
if cred.startswith("password:"):
    kwargs["password"] = cred[len("password:"):]
else:
    kwargs["key_filename"] = cred[len("key:"):]
client.connect(**kwargs)
transport = client.get_transport()
stdin, stdout, stderr = client.exec_command(command)
out = stdout.read()
status = stdout.channel.recv_exit_status()
sys.stdout.write(out.decode())
sec = transport.get_security_options()
print(f"exit={status} kex={transport.kex_engine.__class__.__name__} cipher={transport.remote_cipher} hostkey={transport.get_remote_server_key().get_name()}")
client.close()
