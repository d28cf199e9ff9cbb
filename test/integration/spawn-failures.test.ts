// Commands that cannot be executed go fatal at once with the reason, and muster keeps supervising
// the rest: a missing interpreter on a #! line, a directory, an environment too large for execve.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempApp } from '../support/up';
import { upRunner } from '../support/proc';

test('unexecutable commands are fatal with their reason; the others run and stop cleanly', async (t) => {
  const dir = tempApp({
    'badinterp.sh': '#!/nonexistent/interp\necho never\n',
    'big.env': `BIG=${'x'.repeat(200_000)}\n`,
    'muster.toml': [
      '[process.steady]',
      `command = "python3 $HELPERS/marker.py steady $T"`,
      '',
      '[process.interp]',
      'command = "./badinterp.sh"',
      '',
      '[process.folder]',
      'command = "/tmp"',
      '',
      '[process.huge]',
      `command = "python3 $HELPERS/marker.py huge $T"`,
      'env_file = "big.env"',
      '',
    ].join('\n'),
  });
  fs.chmodSync(path.join(dir, 'badinterp.sh'), 0o755);
  const runUp = upRunner(t, dir);

  const up = runUp();
  await up.waitFor(/steady\s+\| steady up/);
  await up.waitFor(/huge\s+= starting -> fatal/);
  const out = up.output();
  assert.match(out, /interp\s+= starting -> fatal: cannot start: cannot execute \S*badinterp\.sh: the interpreter \/nonexistent\/interp named on its #! line does not exist \(ENOENT\)/);
  assert.match(out, /folder\s+= starting -> fatal: cannot start: \/tmp is not a regular file/);
  assert.match(out, /huge\s+= starting -> fatal: cannot start: cannot execute \S+: the command line or the environment is too large \(E2BIG/);
  assert.doesNotMatch(out, /internal error/);

  up.signal('SIGINT');
  assert.equal(await up.exited(10_000), 0);
  assert.match(up.output(), /steady\s+= stopping -> stopped/);
});
