import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { OutputCapture } from '../../../src/logs/capture';
import { InstanceLogFile } from '../../../src/logs/log-file';

test('whenEnded resolves once every attached stream reached its end, with the last bytes in the file', async () => {
  const file = new InstanceLogFile(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'muster-capture-')), 'web.log'));
  const capture = new OutputCapture('web', file, null);
  await capture.whenEnded(); // nothing attached yet: already ended

  const out = new PassThrough();
  const err = new PassThrough();
  capture.attach(out, err);
  let ended = false;
  const whenEnded = capture.whenEnded().then(() => (ended = true));
  out.end('last words without newline');
  await new Promise((r) => setImmediate(r));
  assert.equal(ended, false, 'stderr is still open');
  err.destroy(); // a stream that closes without 'end' (EIO after a kill) counts as ended too
  await whenEnded;
  file.close();
  assert.equal(fs.readFileSync(file.path, 'utf8'), 'last words without newline\n');
});
