// `muster audit` usage errors (exit 2), and an empty registrations folder (exit 0). The checks
// themselves run on a real host in test/integration/audit.test.ts.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runAudit } from '../../../src/audit/command';

function run(args: string[], apps: string, json = false): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runAudit({ args, json, dirs: { apps }, out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('usage errors exit 2 and say what was wrong', (t) => {
  const apps = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-audit-cmd-'));
  t.after(() => fs.rmSync(apps, { recursive: true, force: true }));
  fs.writeFileSync(path.join(apps, 'appa.toml'), '');
  const two = run(['appa', 'appb'], apps);
  assert.equal(two.code, 2);
  assert.match(two.err, /audit takes at most one app/);
  assert.match(run(['App'], apps).err, /"App" is not an app name/);
  const unknown = run(['appb'], apps);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no registration for app "appb" in .* \(registered: appa\)/);
  const none = run([], path.join(apps, 'nope'));
  assert.equal(none.code, 2);
  assert.match(none.err, /there is no registrations folder .*nope/);
});

test('no registered apps: says so, exit 0', (t) => {
  const apps = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-audit-cmd-'));
  t.after(() => fs.rmSync(apps, { recursive: true, force: true }));
  fs.writeFileSync(path.join(apps, 'README'), '');
  assert.deepEqual(run([], apps), { code: 0, out: `no registered apps in ${apps}\n`, err: '' });
  assert.deepEqual(JSON.parse(run([], apps, true).out), { apps: [], severe: 0, warnings: 0 });
});
