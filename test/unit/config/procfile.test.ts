import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseProcfile } from '../../../src/config/procfile';
import { errorText, loadOk, proc } from './app-fixture';

test('B14: name is before the first colon, command keeps its colons, no space needed, dashes allowed', () => {
  const config = loadOk({
    Procfile: [
      `web: env PATH=/opt/x/bin:$PATH python3 -c "print('ok:web')"`,
      `clock:python3 -c "print('clock up')"`,
      `release-tasks: echo "http://localhost:8000/health"`,
    ].join('\n') + '\n',
    'muster.toml': '[process.web]\nrestart = "never"\n\n[process.clock]\nrestart = "never"\n\n[process.release-tasks]\nrestart = "never"\n',
  });
  assert.deepEqual(config.processes.map((p) => [p.name, p.command]), [
    ['web', `env PATH=/opt/x/bin:$PATH python3 -c "print('ok:web')"`],
    ['clock', `python3 -c "print('clock up')"`],
    ['release-tasks', 'echo "http://localhost:8000/health"'],
  ]);
  assert.equal(proc(config, 'release-tasks').restart, 'never');
});

const PROCFILE_A = [
  '# main web process',
  '',
  'web: python3 -m http.server 18086',
  '   # indented comment',
  '#worker: python3 old_worker.py',
  `worker: python3 -c "import time; print('w#1', flush=True); time.sleep(1000)"`,
  '',
  '',
].join('\n');

for (const [variant, text] of [['Procfile.a', PROCFILE_A], ['Procfile.b (no final newline)', PROCFILE_A.replace(/\n+$/, '')]] as const) {
  test(`B15 ${variant}: comments and blank lines skipped, exactly web and worker, w#1 kept`, () => {
    const config = loadOk({ Procfile: text });
    assert.deepEqual(config.processes.map((p) => p.name), ['web', 'worker']);
    assert.match(proc(config, 'worker').command, /print\('w#1', flush=True\)/);
    assert.ok(!config.processes.some((p) => p.command.includes('old_worker')));
  });
}

test('Procfile: CRLF line endings and a BOM are fine', () => {
  const { entries, diagnostics } = parseProcfile('\uFEFFweb: a b\r\nworker: c\r\n');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(entries.map((e) => [e.name, e.command, e.line]), [['web', 'a b', 1], ['worker', 'c', 2]]);
});

test('Procfile: every unusable line is an error naming Procfile:N, all at once', () => {
  const text = [
    'web: python3 app.py', // 1 ok
    'just some words', // 2 no colon
    ': python3 x.py', // 3 empty name
    'worker:', // 4 empty command
    'worker.2: python3 w.py', // 5 dot in name
    'web: python3 other.py', // 6 duplicate
    'ok_name-2: true', // 7 ok
  ].join('\n');
  const { entries, diagnostics } = parseProcfile(text);
  assert.deepEqual(entries.map((e) => e.name), ['web', 'ok_name-2']);
  assert.deepEqual(diagnostics.map((d) => d.line), [2, 3, 4, 5, 6]);
  const shown = errorText({ Procfile: text });
  assert.match(shown[0]!, /^Procfile:2:1: line has no "name: command" form[\s\S]*hint: write "name: command"/);
  assert.match(shown[1]!, /^Procfile:3:1: empty process name/);
  assert.match(shown[2]!, /^Procfile:4:8: process "worker" has an empty command\n  hint: write the command after the colon/);
  assert.match(shown[3]!, /^Procfile:5:1: invalid process name "worker\.2"\n  hint: .*dots separate the instance number.*"worker-2"/);
  assert.match(shown[4]!, /^Procfile:6:1: process "web" is defined twice \(first on line 1\)/);
});

test('Procfile: only comments is "defines no process"', () => {
  assert.match(errorText({ Procfile: '# nothing\n\n' })[0]!, /^Procfile: Procfile defines no process\n  hint: add a line like "web: python3 app.py"/);
});

test('Procfile: a NUL byte in a command is an error, not a spawn failure later', () => {
  const { diagnostics } = parseProcfile('web: a\0b\n');
  assert.deepEqual(diagnostics.map((d) => [d.line, d.message]), [[1, 'the command of "web" contains a NUL byte']]);
});
