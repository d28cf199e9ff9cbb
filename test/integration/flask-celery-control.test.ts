// Issue 3's acceptance on the real stack: examples/flask-celery under `muster up -d`, driven by
// the CLI over the control socket: status, restart of one process, stop/start, logs (recent and
// followed), and down leaving nothing behind.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { muster, musterJson, pids, readSupervisorPid, statusJson, upDetached, type InstanceJson } from '../support/control';
import { copyExample, get, requireStack } from '../support/flask-celery';
import { freePort, isAlive } from '../support/proc';
import { MUSTER_JS } from '../support/paths';
import { getUrl, notOk, requestStream } from '../support/requests';
import { groupMembers, pidsMatching, waitUntil } from '../support/up';

test('flask-celery with up -d: status, restart web, stop/start worker, logs, logs -f, down', { timeout: 300_000 }, async (t) => {
  if (!requireStack(t)) return;
  const app = copyExample();
  const port = await freePort();
  process.env.NGINX_PORT = String(port); // muster up -d passes its environment to the supervisor
  t.after(() => delete process.env.NGINX_PORT);
  await upDetached(t, app.dir);

  const status: InstanceJson[] = await statusJson(app.dir);
  assert.deepEqual(status.map((i) => [i.name, i.state, i.ready]), [['redis', 'ready', true], ['web', 'ready', true], ['worker', 'ready', true], ['nginx', 'ready', true]]);
  for (const i of status) {
    assert.equal(typeof i.pid, 'number');
    assert.ok(i.rss_bytes! > 0 && i.cpu_percent! >= 0 && i.uptime_ms! >= 0, JSON.stringify(i));
    assert.equal(i.last_exit, null);
  }
  assert.equal((await get(`http://127.0.0.1:${port}/`, 10_000)).status, 200);
  const before = await pids(app.dir);
  const groups = Object.values(before) as number[];

  // restart web: a new web, the others untouched. uwsgi's socket is muster's: same inode, and a
  // steady stream of requests through nginx loses none while uwsgi stops and starts again.
  const uwsgiSocket = path.join(app.dir, 'run', 'uwsgi.sock');
  const socketInode = fs.lstatSync(uwsgiSocket).ino;
  const stream = requestStream(() => getUrl(`http://127.0.0.1:${port}/`, 20_000), 20);
  const restart = await musterJson(app.dir, ['restart', 'web']).finally(() => stream.stop());
  assert.equal(restart.ok, true);
  const answers = await stream.stop();
  assert.ok(answers.length >= 10, `requests sent during the restart: ${answers.length}`);
  assert.deepEqual(notOk(answers), [], `every request during restart web gets 200 (${answers.length} sent)`);
  assert.equal(fs.lstatSync(uwsgiSocket).ino, socketInode, 'run/uwsgi.sock keeps its inode across the restart');
  const afterRestart = await pids(app.dir);
  assert.notEqual(afterRestart.web, before.web);
  for (const name of ['redis', 'worker', 'nginx']) assert.equal(afterRestart[name], before[name], `${name} keeps its pid`);
  assert.deepEqual(groupMembers(before.web!), [], 'the old uwsgi group is gone');
  assert.equal((await get(`http://127.0.0.1:${port}/`, 10_000)).status, 200);
  groups.push(afterRestart.web!);

  // stop worker, then start it.
  const stop = await muster(app.dir, ['stop', 'worker']);
  assert.equal(stop.code, 0, stop.stderr);
  const stopped = (await statusJson(app.dir, ['worker']))[0]!;
  assert.deepEqual([stopped.state, stopped.pid, stopped.stopped_by_operator], ['stopped', null, true]);
  assert.deepEqual(groupMembers(before.worker!), []);
  const start = await musterJson(app.dir, ['start', 'worker']);
  assert.equal(start.ok, true);
  const started = (await statusJson(app.dir, ['worker']))[0]!;
  assert.equal(started.state, 'ready');
  groups.push(started.pid!);

  // logs web -n 20: uwsgi's latest lines, newest last.
  const logs = await musterJson(app.dir, ['logs', 'web', '-n', '20']);
  assert.ok(Array.isArray(logs) && logs.length > 0 && logs.length <= 20, `logs: ${JSON.stringify(logs).slice(0, 300)}`);
  assert.ok(logs.every((l: { instance: string }) => l.instance === 'web'));
  // The newest uwsgi lines: request lines from the stream above, or its start-up lines.
  assert.ok(logs.some((l: { text: string }) => /GET \/ => generated|spawned uWSGI worker/.test(l.text)), JSON.stringify(logs.map((l: { text: string }) => l.text)));
  const human = await muster(app.dir, ['logs', 'web', '-n', '5']);
  assert.equal(human.code, 0);
  assert.equal(human.stdout.trim().split('\n').length, 5, human.stdout);

  // logs -f: a line printed after it started shows up (a request makes uwsgi log one).
  const follower = spawn(process.execPath, [MUSTER_JS, '-C', app.dir, 'logs', '-f', '-n', '0', 'web'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => follower.kill('SIGKILL'));
  let followed = '';
  follower.stdout.on('data', (b: Buffer) => (followed += b.toString()));
  await new Promise((r) => setTimeout(r, 500)); // let it subscribe
  const marker = `follow-me-${Date.now()}`;
  assert.equal((await get(`http://127.0.0.1:${port}/?${marker}`, 10_000)).status, 200);
  await waitUntil(() => followed.includes(marker), 10_000, `logs -f shows the request line with ${marker}; got:\n${followed}`);
  follower.kill('SIGINT');
  const code = await new Promise((r) => follower.on('exit', (c) => r(c)));
  assert.equal(code, 0);

  // down: every process group gone, the supervisor too.
  const supervisor = readSupervisorPid(app.dir)!;
  const all = [...groups, ...Object.values(await pids(app.dir)) as number[]];
  const down = await muster(app.dir, ['down']);
  assert.equal(down.code, 0, down.stderr);
  for (const g of all) assert.deepEqual(groupMembers(g), [], `group ${g} is empty after down`);
  assert.deepEqual(pidsMatching(app.dir), [], 'no process of the app is left');
  assert.equal(isAlive(supervisor), false, 'the supervisor exited (a zombie waiting for init counts as gone)');
  assert.equal(fs.existsSync(uwsgiSocket), false, 'muster removed run/uwsgi.sock when it stopped');
  const none = await muster(app.dir, ['status']);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /no supervisor is running/);
});
