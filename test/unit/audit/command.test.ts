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

/** A registrations folder with appa (user appa from a passwd of its own), and a run base with
 * appa's run folder holding a regular file as its control socket, so the audit's reading of the
 * run folder shows in the report. */
function hostTree(t: { after(fn: () => void): void }): { base: string; apps: string; etc: string; run: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-audit-cmd-'));
  t.after(() => fs.rmSync(base, { recursive: true, force: true }));
  const apps = path.join(base, 'apps');
  const etc = path.join(base, 'etc');
  const run = path.join(base, 'run');
  for (const d of [apps, etc, path.join(run, 'appa')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nappa:x:991:991::/nonexistent:/usr/sbin/nologin\n');
  fs.writeFileSync(path.join(etc, 'group'), 'root:x:0:\nappa:x:991:\n');
  fs.writeFileSync(path.join(etc, 'shadow'), 'root:*:1::::::\nappa:!:1::::::\n');
  fs.writeFileSync(path.join(apps, 'appa.toml'), `user = "appa"\nroot = "${base}"\n`);
  fs.chmodSync(path.join(apps, 'appa.toml'), 0o644);
  fs.writeFileSync(path.join(run, 'appa', 'control.sock'), '');
  return { base, apps, etc, run };
}

function audit(args: { apps: string; etc: string; run?: string; environ: Record<string, string> }): { app: string; findings: { kind: string; object: string; message: string }[] }[] {
  let out = '';
  runAudit({ args: [], json: true, dirs: { apps: args.apps, run: args.run }, etc: args.etc, environ: args.environ, out: (s) => (out += s), err: () => {} });
  return JSON.parse(out).apps;
}

test('the run base comes from --run-dir, else $MUSTER_RUN_DIR, else /run/muster; a missing run folder is incomplete', { skip: process.getuid?.() !== 0 && 'needs root (a registration must be root\'s)' }, (t) => {
  const tree = hostTree(t);
  const objects = (environ: Record<string, string>, run?: string) => audit({ apps: tree.apps, etc: tree.etc, run, environ })[0]!.findings.map((f) => `${f.kind} ${f.object}`);
  const control = `socket ${path.join(tree.run, 'appa', 'control.sock')}`;
  assert.ok(objects({ MUSTER_RUN_DIR: tree.run }).includes(control), 'MUSTER_RUN_DIR is the run base');
  const elsewhere = path.join(tree.base, 'elsewhere');
  const wins = objects({ MUSTER_RUN_DIR: tree.run }, elsewhere);
  assert.ok(!wins.includes(control), '--run-dir wins');
  assert.ok(wins.includes(`incomplete ${path.join(elsewhere, 'appa')}`), `a missing run folder is incomplete: ${wins.join(', ')}`);
  assert.ok(objects({}).includes('incomplete /run/muster/appa') || fs.existsSync('/run/muster/appa'), 'the default run base');
});
