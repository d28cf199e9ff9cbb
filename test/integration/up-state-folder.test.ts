// A file where muster's state folder should be (`touch .muster`): up says which path and how to
// fix it (exit 2, nothing started), and the control commands say no supervisor runs (exit 3).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { muster, readMusterLog, upDetached } from '../support/control';
import { tempApp } from '../support/up';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('.muster (or .muster/logs) being a file: up exits 2 naming it and the fix, status exits 3', { timeout: 60_000 }, async (t) => {
  const dir = tempApp({ Procfile: 'web: python3 $HELPERS/slowstop.py --drain 0 --marker $T/web\n' });
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const state = path.join(dir, '.muster');
  fs.writeFileSync(state, '');

  for (const args of [['up', '-d'], ['up']]) {
    const r = await muster(dir, args, 20_000);
    assert.equal(r.code, 2, `muster ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^muster: ${escape(state)} is not a folder: .*move it away`, 'm'));
    assert.doesNotMatch(r.stderr, /internal error|EEXIST|\n\s+at /);
  }
  const status = await muster(dir, ['status']);
  assert.equal(status.code, 3, status.stderr);
  assert.match(status.stderr, new RegExp(`no supervisor is running for ${escape(dir)}: ${escape(state)} .*is a file, not a folder; move it away`));
  assert.equal(fs.statSync(state).isFile(), true, 'muster leaves the file alone');

  fs.rmSync(state);
  fs.mkdirSync(state);
  fs.writeFileSync(path.join(state, 'logs'), '');
  const r = await muster(dir, ['up', '-d'], 20_000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^muster: ${escape(path.join(state, 'logs'))} is not a folder: muster keeps its processes' log files in ${escape(path.join(state, 'logs'))}; move it away`, 'm'));
});

test('a folder where muster writes its pid file is named in the log, and muster runs without the pid file (it is not the lock)', { timeout: 30_000 }, async (t) => {
  const dir = tempApp({ 'muster.toml': '[process.web]\ncommand = "sleep 1000"\n' });
  fs.mkdirSync(path.join(dir, '.muster', 'muster.pid.tmp'), { recursive: true });
  await upDetached(t, dir);
  assert.match(readMusterLog(dir), /could not write \.muster\/muster\.pid \(.*muster\.pid\.tmp.*\); muster runs without it/);
  assert.equal(fs.statSync(path.join(dir, '.muster', 'muster.pid.tmp')).isDirectory(), true, 'left alone');
  assert.equal((await muster(dir, ['down'])).code, 0);
});
