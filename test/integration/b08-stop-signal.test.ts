// B08: stop_signal and reload_signal are per process. A uWSGI-like program that reloads on TERM
// stops at once with QUIT; sent TERM it keeps reloading until stop_timeout, then its whole group is
// SIGKILLed. `muster reload` sends reload_signal (same pid); without one it is an error.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { groupMembers, reportedPids, tempApp } from '../support/up';
import { isAlive, musterNotes, pgidOf, upRunner } from '../support/proc';
import { muster, musterJson, statusJson, upDetached } from '../support/control';

const RELOADER_TOML = [
  '[process.app]',
  'command = "python3 $HELPERS/reloader.py $T"',
  'stop_signal = "QUIT"',
  'reload_signal = "HUP"',
  'stop_timeout = "10s"',
  '',
  '[process.app_wrong]',
  'command = "python3 $HELPERS/reloader.py $T"',
  'stop_signal = "TERM"',
  'stop_timeout = "10s"',
  '',
].join('\n');

test('B08 foreground stop: QUIT stops the reloader at once with bye; TERM makes it reload, SIGKILL of the group at 10 s', async (t) => {
  const dir = tempApp({ 'muster.toml': RELOADER_TOML });
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/\sapp\s+\| reloader up/);
  await up.waitFor(/app_wrong\s+\| reloader up/);
  const [appPid] = reportedPids(up.output(), 'app');
  const [wrongPid] = reportedPids(up.output(), 'app_wrong');

  const signalledAt = Date.now();
  up.signal('SIGINT');

  // app: QUIT -> bye -> gone in under 2 s.
  await up.waitFor(/\sapp\s+= stopping -> stopped/, 2000);
  assert.ok(Date.now() - signalledAt < 2000);
  assert.equal(isAlive(appPid!), false);
  // app_wrong: TERM -> reloading, same pid up again, still running.
  await up.waitFor(new RegExp(`app_wrong\\s+\\| reloader up pid=${wrongPid}[^\\n]*\\n[^]*app_wrong\\s+\\| reloader up pid=${wrongPid}`), 5000);
  assert.match(up.output(), /app_wrong\s+\| reloading/);
  assert.equal(isAlive(wrongPid!), true, 'app_wrong keeps running after TERM');

  const code = await up.exited(20_000);
  const tookS = (Date.now() - signalledAt) / 1000;
  assert.equal(code, 0);
  assert.ok(tookS >= 9 && tookS <= 11.5, `muster exited ${tookS.toFixed(2)} s after SIGINT`);

  const logs = path.join(dir, '.muster', 'logs');
  const appLog = fs.readFileSync(path.join(logs, 'app.log'), 'utf8');
  assert.match(appLog, /^bye$/m);
  const appNotes = musterNotes(path.join(logs, 'app.log'));
  assert.ok(appNotes.some((n) => n.text === `sent SIGQUIT to pid ${appPid}`), appNotes.map((n) => n.text).join('\n'));
  assert.ok(appNotes.some((n) => n.text === 'stopping -> stopped: stopped (exit code 0)'), appNotes.map((n) => n.text).join('\n'));
  assert.ok(!appNotes.some((n) => n.text.includes('SIGKILL')));

  const wrongNotes = musterNotes(path.join(logs, 'app_wrong.log'));
  const term = wrongNotes.find((n) => n.text === `sent SIGTERM to pid ${wrongPid}`);
  const kill = wrongNotes.find((n) => n.text.startsWith(`SIGKILL to process group ${wrongPid}: still running 10s after SIGTERM (stop_timeout)`));
  assert.ok(term && kill, wrongNotes.map((n) => n.text).join('\n'));
  const graceS = (kill.at - term.at) / 1000;
  assert.ok(graceS >= 9 && graceS <= 11, `SIGKILL came ${graceS} s after SIGTERM`);
  assert.ok(wrongNotes.some((n) => n.text === 'stopping -> stopped: killed (killed by SIGKILL)'), wrongNotes.map((n) => n.text).join('\n'));
  assert.deepEqual(groupMembers(wrongPid!), [], `group ${wrongPid} is empty`);
  assert.deepEqual(groupMembers(appPid!), []);
});

test('B08 control: reload keeps the pid; reload without reload_signal is an error; stop with QUIT is quick, with TERM it ends in SIGKILL at 10 s', async (t) => {
  const dir = tempApp({ 'muster.toml': RELOADER_TOML });
  const log = (name: string) => fs.readFileSync(path.join(dir, '.muster', 'logs', `${name}.log`), 'utf8');
  await upDetached(t, dir);
  const [app, wrong] = await statusJson(dir, ['app', 'app_wrong']);
  const reload = await musterJson(dir, ['reload', 'app']);
  assert.deepEqual(reload.results.map((r: { name: string; outcome: string; pid: number }) => [r.name, r.outcome, r.pid]), [['app', 'sent', app!.pid]]);
  const deadline = Date.now() + 5000;
  while (!log('app').includes('graceful reload') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(log('app'), /graceful reload/);
  assert.equal((await statusJson(dir, ['app']))[0]!.pid, app!.pid, 'same pid after reload');

  const refused = await muster(dir, ['reload', 'app_wrong']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /app_wrong has no reload_signal/);
  assert.doesNotMatch(log('app_wrong'), /reloading|graceful reload/, 'nothing was sent');

  let started = Date.now();
  const stopApp = await musterJson(dir, ['stop', 'app']);
  assert.ok(Date.now() - started < 2000, `stop app took ${Date.now() - started} ms`);
  assert.equal(stopApp.ok, true);
  const appAfter = (await statusJson(dir, ['app']))[0]!;
  assert.deepEqual([appAfter.state, appAfter.pid, appAfter.last_exit, appAfter.killed], ['stopped', null, { code: 0, signal: null }, false]);
  assert.match(log('app'), /bye/);

  const pgid = pgidOf(wrong!.pid!)!;
  started = Date.now();
  const stopWrong = await muster(dir, ['stop', 'app_wrong']);
  const took = (Date.now() - started) / 1000;
  assert.equal(stopWrong.code, 0, stopWrong.stderr);
  assert.ok(took >= 9.5 && took <= 11.5, `stop app_wrong took ${took.toFixed(2)} s (stop_timeout 10 s)`);
  assert.deepEqual(groupMembers(pgid), []);
  assert.match(log('app_wrong'), /reloading/);
  assert.match(log('app_wrong'), /SIGKILL to process group/);
  const wrongAfter = (await statusJson(dir, ['app_wrong']))[0]!;
  assert.deepEqual([wrongAfter.state, wrongAfter.last_exit, wrongAfter.killed], ['stopped', { code: null, signal: 'SIGKILL' }, true]);
  assert.ok(isAlive(Number(fs.readFileSync(path.join(dir, '.muster', 'muster.pid'), 'utf8'))), 'the supervisor runs on');
});
