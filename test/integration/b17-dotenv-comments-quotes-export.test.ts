// B17 (runtime half): `#` comments, quotes, `export` and `=` in .env values reach the child exactly
// as `muster config --json` shows them. The parsing is unit-tested in test/unit/config/dotenv.test.ts.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidsMatching, startUp, tempApp, waitUntil } from '../support/up';
import { B17_ENV as ENV } from '../fixtures/dotenv-cases';
import { configJson, killMusterTree, ownLines, readLog, runMuster } from '../support/case-run';

const KEYS = ['PLAIN', 'SPACED', 'DQ', 'SQ', 'JSON', 'CHANNEL', 'EMPTY', 'EMPTY_COMMENT', 'EXPORTED', 'INDENTED', 'KEY_WITH_EQ'];
const PROCFILE = `show: python3 $HELPERS/argv.py --json ${KEYS.join(',')} --wait $T/b17-marker\n`;
const EXPECTED: Record<string, string> = {
  PLAIN: 'bar#baz', SPACED: 'bar', DQ: 'value # not a comment', SQ: 'single # also not', JSON: '{"a":"x#y"}',
  CHANNEL: '#ops', EMPTY: '', EMPTY_COMMENT: '', EXPORTED: 'yes', INDENTED: 'ok', KEY_WITH_EQ: 'a=b=c',
};

test('B17: the child gets the .env values muster config --json shows', async () => {
  const dir = tempApp({ '.env': ENV, Procfile: PROCFILE });
  const shown = configJson(dir).processes.show!.env;
  const up = startUp(dir, ['--quiet']);
  try {
    await waitUntil(() => ownLines(readLog(dir, 'show')).length >= 2, 10_000, 'show printed its JSON line');
    const [argvLine, jsonLine] = ownLines(readLog(dir, 'show'));
    assert.match(argvLine!, /^argv=\[.*b17-marker'\]$/);
    const child = JSON.parse(jsonLine!) as Record<string, string>;
    assert.deepEqual(child, EXPECTED);
    for (const k of KEYS) assert.equal(shown[k], child[k], `muster config --json and the child agree on ${k}`);
    up.signal('SIGINT');
    assert.equal(await up.exited(10_000), 0);
  } finally {
    killMusterTree(up.child.pid);
  }
});

test('B17 malformed: muster up exits 2 naming .env:3 and .env:5 and starts nothing', async () => {
  const lines = ENV.split('\n');
  lines[2] = 'BAD KEY=1';
  lines[4] = 'JUSTAWORD';
  const dir = tempApp({ '.env': lines.join('\n'), Procfile: PROCFILE });
  assert.equal(runMuster(dir, ['config']).code, 2);
  const up = startUp(dir);
  try {
    assert.equal(await up.exited(10_000), 2);
    assert.match(up.output(), /^\.env:3:1: invalid key "BAD KEY"/m);
    assert.match(up.output(), /^\.env:5:1: line is not KEY=value: "JUSTAWORD"/m);
    assert.match(up.output(), /nothing was started: fix the 2 errors above/);
    assert.equal(fs.existsSync(path.join(dir, '.muster')), false);
    assert.deepEqual(pidsMatching(`${path.dirname(dir)}/b17-marker`), []);
  } finally {
    killMusterTree(up.child.pid);
  }
});
