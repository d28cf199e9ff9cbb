// B28: a socket muster holds survives restart, stop and start of the process that serves it: the
// same inode throughout, every request answered (those made while nothing runs wait in the
// backlog), LISTEN_* describe the instance itself, and only `muster down` unlinks the path.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { muster, statusJson, upDetached } from '../support/control';
import { environOf } from '../support/proc';
import { tempApp } from '../support/up';

/** curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket S http://x/ */
function statusCode(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/', host: 'x', agent: false, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(String(response.statusCode)));
    });
    request.once('timeout', () => request.destroy(new Error('timeout')));
    request.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('B28 the held socket keeps its inode through restart, stop and start; every request gets 200; only down unlinks it', { timeout: 120_000 }, async (t) => {
  const dir = tempApp({
    'muster.toml': `
[socket.web]
path = "$T/app/run/web.sock"

[process.web]
command = "python3 $HELPERS/unix_http.py"
sockets = ["web"]
ready = { log = "unix_http listening" }
`,
  });
  const S = path.join(dir, 'run', 'web.sock');
  await upDetached(t, dir);
  const I1 = fs.lstatSync(S).ino;

  // 300 requests, one every 20 ms after the previous answer, as the case's curl loop does.
  const codes: string[] = [];
  const load = (async () => {
    for (let i = 0; i < 300; i++) {
      codes.push(await statusCode(S));
      await sleep(20);
    }
  })();
  await sleep(1000);
  assert.equal((await muster(dir, ['restart', 'web'])).code, 0);
  await sleep(1000);
  assert.equal((await muster(dir, ['stop', 'web'])).code, 0);
  assert.ok(fs.lstatSync(S).isSocket(), 'muster stop web leaves the socket in place');
  await sleep(1000);
  assert.equal((await muster(dir, ['start', 'web'])).code, 0);
  await load;

  assert.equal(fs.lstatSync(S).ino, I1, 'I1 == I2');
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.deepEqual([...counts], [['200', 300]], 'every request got 200');

  const [web] = await statusJson(dir, ['web']);
  const env = environOf(web!.pid!);
  assert.deepEqual([env.LISTEN_FDS, env.LISTEN_FDNAMES, env.LISTEN_PID], ['1', 'web', String(web!.pid)]);

  assert.equal((await muster(dir, ['down'])).code, 0);
  assert.equal(fs.existsSync(S), false, 'after muster down the path is gone');
});
