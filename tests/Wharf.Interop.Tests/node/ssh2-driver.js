'use strict';
// Drives Node's ssh2 client for the interop tests (Ssh2Tests.cs): one connection, then the
// operations of a JSON spec given as the only argument, in order. Prints one JSON line per
// operation ({"op", "ok", "result" | "error"}) and a last line {"done": true, "rekeys": n
// (key exchanges after the first), "auth": method}; exits 0 when every operation succeeded, 1 when one failed (the rest are
// skipped), 2 when the connection or login failed.
//
// spec: { port, username, auth: { type: "password" | "keyboard-interactive" | "publickey"
//         | "keyboard-interactive-only", secret }, ops: [ { op, ... } ] }
// ops:  mkdir path | rmdir path | put local remote [rekeyAt] | get remote local | readdir path
//       | stat path | lstat path | rename from to | unlink path | symlink target link
//       | readlink path | realpath path | exec command
//       put's rekeyAt (bytes): once that much is written, the client starts a key exchange.
//
// ssh2 1.17.0 documents Client#rekey() but does not implement it (only the server side's
// connection has it); the client's protocol object does, and that is what it would call, so
// the driver calls conn._protocol.rekey(). Key exchanges are counted from the client's
// 'handshake' events (the first one included; ssh2's Client emits no 'rekey').
const fs = require('fs');
const crypto = require('crypto');
const { Client } = require('ssh2');

const spec = JSON.parse(process.argv[2]);
let handshakes = 0;
let authMethod = null;

function out(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

function sha256File(path) {
  return crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex');
}

function authHandler() {
  const a = spec.auth;
  const kbd = {
    type: 'keyboard-interactive',
    username: spec.username,
    prompt: (name, instructions, lang, prompts, finish) => finish(prompts.map(() => a.secret)),
  };
  // An array: ssh2 tries each in order, skipping those the server does not list.
  switch (a.type) {
    case 'password':
      return [{ type: 'password', username: spec.username, password: a.secret }];
    case 'publickey':
      return [{ type: 'publickey', username: spec.username, key: fs.readFileSync(a.secret) }];
    case 'keyboard-interactive':
      return [kbd, { type: 'password', username: spec.username, password: a.secret }];
    case 'keyboard-interactive-only':
      return [kbd];
    default:
      throw new Error('unknown auth type ' + a.type);
  }
}

function run(sftp, conn, o) {
  return new Promise((resolve, reject) => {
    const done = (err, result) => (err ? reject(err) : resolve(result));
    switch (o.op) {
      case 'mkdir': return sftp.mkdir(o.path, (e) => done(e));
      case 'rmdir': return sftp.rmdir(o.path, (e) => done(e));
      case 'unlink': return sftp.unlink(o.path, (e) => done(e));
      case 'rename': return sftp.rename(o.from, o.to, (e) => done(e));
      case 'symlink': return sftp.symlink(o.target, o.link, (e) => done(e));
      case 'readlink': return sftp.readlink(o.path, done);
      case 'realpath': return sftp.realpath(o.path, done);
      case 'readdir':
        return sftp.readdir(o.path, (e, list) => done(e, list && list.map((x) => x.filename).sort()));
      case 'stat':
      case 'lstat':
        return sftp[o.op](o.path, (e, s) => done(e, s && {
          size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), isSymbolicLink: s.isSymbolicLink(),
        }));
      case 'put': {
        let rekeyStarted = false;
        const step = (transferred) => {
          if (o.rekeyAt && !rekeyStarted && transferred >= o.rekeyAt) {
            rekeyStarted = true;
            conn._protocol.rekey();
          }
        };
        return sftp.fastPut(o.local, o.remote, { step }, (e) => done(e, { rekeyStarted }));
      }
      case 'get':
        return sftp.fastGet(o.remote, o.local, (e) => done(e, e ? undefined : { sha256: sha256File(o.local) }));
      case 'exec':
        return conn.exec(o.command, (e, stream) => {
          if (e) return done(e);
          let stdout = '';
          let code = null;
          stream.on('data', (d) => { stdout += d; });
          stream.stderr.on('data', () => {});
          stream.on('exit', (c) => { code = c; });
          stream.on('close', () => done(null, { stdout, code }));
        });
      default:
        return reject(new Error('unknown op ' + o.op));
    }
  });
}

const conn = new Client();
conn.on('handshake', () => { handshakes++; });
conn.on('ready', () => {
  conn.sftp(async (err, sftp) => {
    if (err) {
      out({ op: 'sftp', ok: false, error: String(err.message || err) });
      conn.end();
      process.exitCode = 2;
      return;
    }
    let failed = false;
    for (const o of spec.ops) {
      try {
        const result = await run(sftp, conn, o);
        out({ op: o.op, ok: true, result });
      } catch (e) {
        out({ op: o.op, ok: false, error: String(e.message || e), code: e.code });
        failed = true;
        break;
      }
    }
    out({ done: true, rekeys: handshakes - 1, auth: authMethod });
    process.exitCode = failed ? 1 : 0;
    conn.end();
  });
});
conn.on('error', (e) => {
  out({ op: 'connect', ok: false, error: String(e.message || e), level: e.level });
  process.exitCode = 2;
});
conn.connect({
  host: '127.0.0.1',
  port: spec.port,
  username: spec.username,
  authHandler: authHandler(),
  readyTimeout: 30000,
  hostVerifier: () => true, // the tests' servers have throwaway host keys
  debug: (line) => {
    // "Client: publickey auth succeeded"-style lines are not printed by ssh2; the method that
    // was last tried before USERAUTH_SUCCESS is recorded instead.
    const m = /Outbound: Sending USERAUTH_REQUEST \((\S+)\)/.exec(line);
    if (m) authMethod = m[1];
  },
});
