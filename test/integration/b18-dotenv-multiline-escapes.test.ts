// B18 (runtime half): multi-line values and backslash escapes in .env reach the child exactly as
// `muster config --json` shows them. The parsing is unit-tested in test/unit/config/dotenv.test.ts.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidsMatching, startUp, tempApp, waitUntil } from '../support/up';
import { B18_ENV as ENV } from '../fixtures/dotenv-cases';
import { configJson, killMusterTree, ownLines, readLog, runMuster } from '../support/case-run';

const PROCFILE = 'show: python3 $HELPERS/argv.py --env PEM,ESC,RAW,BACKSLASH,TAB,AFTER --wait $T/b18-marker\n';
// What the child prints: Python reprs of the values.
const EXPECTED_REPRS = [
  "PEM='-----BEGIN KEY-----\\nline2\\n-----END KEY-----'",
  "ESC='a\\nb'",
  "RAW='a\\\\nb'",
  "BACKSLASH='C:\\\\new'",
  "TAB='x\\ty'",
  "AFTER='after'",
];

test('B18: the child gets the multi-line and escaped values muster config --json shows', async () => {
  const dir = tempApp({ '.env': ENV, Procfile: PROCFILE });
  const shown = configJson(dir).processes.show!.env;
  assert.deepEqual(
    { PEM: shown.PEM, ESC: shown.ESC, RAW: shown.RAW, BACKSLASH: shown.BACKSLASH, TAB: shown.TAB, AFTER: shown.AFTER },
    { PEM: '-----BEGIN KEY-----\nline2\n-----END KEY-----', ESC: 'a\nb', RAW: 'a\\nb', BACKSLASH: 'C:\\new', TAB: 'x\ty', AFTER: 'after' },
  );
  const up = startUp(dir, ['--quiet']);
  try {
    await waitUntil(() => readLog(dir, 'show').includes('AFTER='), 10_000, 'show printed AFTER=');
    const printed = ownLines(readLog(dir, 'show')).slice(1);
    assert.deepEqual(printed, EXPECTED_REPRS);
    up.signal('SIGINT');
    assert.equal(await up.exited(10_000), 0);
  } finally {
    killMusterTree(up.child.pid);
  }
});

test('B18 unterminated quote: muster up exits 2 naming .env:2 and starts nothing', async () => {
  const dir = tempApp({ '.env': 'FIRST=1\nOPEN="abc\nNEXT=2\nLAST=3\n', Procfile: PROCFILE });
  assert.equal(runMuster(dir, ['config']).code, 2);
  const up = startUp(dir);
  try {
    assert.equal(await up.exited(10_000), 2);
    assert.match(up.output(), /^\.env:2:\d+: unterminated double quote in the value of OPEN/m);
    assert.equal(fs.existsSync(path.join(dir, '.muster')), false);
    assert.deepEqual(pidsMatching(`${path.dirname(dir)}/b18-marker`), []);
  } finally {
    killMusterTree(up.child.pid);
  }
});
