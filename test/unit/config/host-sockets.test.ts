// The app config's sockets under a host tier: the registration's sockets (inherited by name) replace
// the app's [socket.NAME] of the same name; any other [socket.NAME] is an error, and so is a
// process naming a socket the host did not pass. Without a host the same files are valid.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { loadAppConfig } from '../../../src/config/load';
import { makeApp, proc } from './app-fixture';

const PROCFILE = 'web: python3 app.py\nworker: python3 worker.py\n';

function underHost(toml: string, inherited: readonly string[]) {
  return loadAppConfig(makeApp({ Procfile: PROCFILE, 'muster.toml': toml }), {}, { inheritedSockets: inherited });
}

function errors(toml: string, inherited: readonly string[]): string[] {
  const result = underHost(toml, inherited);
  assert.equal(result.ok, false, 'expected diagnostics');
  return result.ok ? [] : result.diagnostics.map(formatDiagnostic);
}

test('a process lists an inherited socket without any [socket.NAME]; the app makes no socket', () => {
  const result = underHost('[process.web]\nsockets = ["web", "admin"]\n', ['web', 'admin']);
  assert.ok(result.ok, result.ok ? '' : result.diagnostics.map(formatDiagnostic).join('\n'));
  assert.deepEqual(proc(result.config, 'web').sockets, ['web', 'admin'], 'fd 3 = web, fd 4 = admin, in the order listed');
  assert.deepEqual(result.config.sockets, []);
  assert.deepEqual(result.notes, []);
});

test('a [socket.NAME] the registration also has is replaced, and said once as a note naming its line', () => {
  const result = underHost('[socket.web]\npath = "run/web.sock"\nmode = "0666"\n\n[process.web]\nsockets = ["web"]\n', ['web']);
  assert.ok(result.ok);
  assert.deepEqual(result.config.sockets, [], 'muster makes nothing: the host passed it');
  assert.deepEqual(proc(result.config, 'web').sockets, ['web']);
  assert.deepEqual(result.notes.map(formatDiagnostic), [
    "muster.toml:1:9: [socket.web] is replaced by the host registration's socket web: the processes get the socket the host tier passed, and this table is ignored",
  ]);
});

test('a [socket.NAME] the registration does not have is an error, even when no process uses it', () => {
  const shown = errors('[socket.web]\npath = "run/web.sock"\n\n[socket.spare]\naddress = "127.0.0.1:8000"\n\n[process.web]\nsockets = ["web"]\n', ['web']);
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^muster\.toml:4:9: socket spare is not in the host registration; ask root to add it\n  hint: .*the host tier passes: web\); or remove \[socket\.spare\]$/);
});

test('a process naming a socket neither passed nor declared: the error names the process and the socket', () => {
  const shown = errors('[process.worker]\nsockets = ["jobs"]\n', ['web']);
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^muster\.toml:2:12: sockets of \[process\.worker\] names "jobs", which is not a socket of the host registration\n  hint: the host tier passes: web; ask root to add \[socket\.jobs\] to the app's registration$/);

  const typo = errors('[process.web]\nsockets = ["wbe"]\n', ['web', 'admin']);
  assert.match(typo[0]!, /hint: did you mean "web"\? \(the host tier passes: web, admin\)$/);

  const none = errors('[process.web]\nsockets = ["web"]\n', []);
  assert.match(none[0]!, /hint: the host tier passes no socket; ask root/);
});

test('a process naming an app [socket.NAME] that is not passed gets one error, on the table, not two', () => {
  const shown = errors('[socket.jobs]\npath = "run/jobs.sock"\n\n[process.worker]\nsockets = ["jobs"]\n', ['web']);
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^muster\.toml:1:9: socket jobs is not in the host registration/);
});

test('without a host tier the same config makes its own sockets', () => {
  const result = loadAppConfig(makeApp({ Procfile: PROCFILE, 'muster.toml': '[socket.web]\npath = "run/web.sock"\n\n[process.web]\nsockets = ["web"]\n' }), {});
  assert.ok(result.ok);
  assert.deepEqual(result.config.sockets.map((s) => s.name), ['web']);
});
