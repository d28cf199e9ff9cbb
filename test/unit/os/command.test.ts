import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { toArgv } from '../../../src/os/command';

const direct = (cmd: string, argv: string[]) => assert.deepEqual(toArgv(cmd), { shell: false, argv }, cmd);
const shell = (cmd: string) => assert.deepEqual(toArgv(cmd), { shell: true, argv: ['/bin/sh', '-c', cmd] }, cmd);

test('plain words run directly', () => {
  direct('gunicorn app:app --workers 4', ['gunicorn', 'app:app', '--workers', '4']);
  direct('  node   web.js\t--port=5000  ', ['node', 'web.js', '--port=5000']);
  direct('echo http://localhost:8000/health', ['echo', 'http://localhost:8000/health']);
  direct('python3 a#b', ['python3', 'a#b']);
  direct('ls a~b', ['ls', 'a~b']);
});

test('quotes and escapes are removed like sh does', () => {
  direct(`python3 -c "print('ok:web')"`, ['python3', '-c', "print('ok:web')"]);
  direct(`echo 'a "b" $HOME *'`, ['echo', 'a "b" $HOME *']);
  direct('echo "a b" c', ['echo', 'a b', 'c']);
  direct('echo a" "b', ['echo', 'a b']);
  direct('echo ""', ['echo', '']);
  direct("echo ''", ['echo', '']);
  direct('echo a\\ b', ['echo', 'a b']);
  direct('echo \\$HOME \\*', ['echo', '$HOME', '*']);
  direct('echo "say \\"hi\\""', ['echo', 'say "hi"']);
  direct('echo "C:\\\\new"', ['echo', 'C:\\new']);
  direct('echo "a\\qb"', ['echo', 'a\\qb']);
  direct(`python3 -c "import time; print('w#1', flush=True); time.sleep(1000)"`, ['python3', '-c', "import time; print('w#1', flush=True); time.sleep(1000)"]);
});

test('shell syntax goes to /bin/sh -c unchanged', () => {
  shell(`env PATH=/opt/x/bin:$PATH python3 -c "print('ok:web')"`);
  shell('echo $HOME');
  shell('echo "$HOME"');
  shell('echo `date`');
  shell('a | b');
  shell('a && b');
  shell('a; b');
  shell('a > out.log');
  shell('a < in');
  shell('(a)');
  shell('ls *.py');
  shell('ls ?');
  shell('ls [ab]');
  shell('echo {a,b}');
  shell('cd ~/app');
  shell('cmd # comment');
  shell('a\nb');
  shell('a &');
});

test('assignments, keywords and builtins need the shell', () => {
  shell('FOO=bar node web.js');
  shell('  FOO= node web.js');
  shell('exec gunicorn app');
  shell('cd sub');
  shell('if true');
  shell('. ./env.sh');
  direct('node FOO=bar', ['node', 'FOO=bar']);
  direct('"FOO=bar" x', ['FOO=bar', 'x']);
});

test('unterminated quotes, trailing backslash and empty commands go to the shell (it reports them)', () => {
  shell('echo "abc');
  shell("echo 'abc");
  shell('echo abc\\');
  shell('');
  shell('   ');
});
