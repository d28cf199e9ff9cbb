import * as path from 'node:path';

// Tests run from build/test/..., compiled by tsc; the repo root is found by walking up to package.json.
function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    try {
      require('node:fs').accessSync(path.join(dir, 'package.json'));
      return dir;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) throw new Error(`no package.json above ${start}`);
      dir = up;
    }
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);
/** The compiled CLI entry point; run it with process.execPath. */
export const MUSTER_JS = path.join(REPO_ROOT, 'build', 'src', 'cli', 'main.js');
/** Copies of ../shared/cases/helpers (Python 3 standard library only), kept in the repo so tests stand alone. */
export const CASE_HELPERS = path.join(REPO_ROOT, 'test', 'fixtures', 'case-helpers');
