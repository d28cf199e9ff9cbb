// The examples/flask-celery stack for integration tests: is it installed, a private copy of the
// example, and plain HTTP GETs.

import type { TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'flask-celery');

// ---------------------------------------------------------------------------------------------
// Stack availability

export function missingStack(): string | null {
  const needed = [
    '/usr/sbin/nginx',
    '/usr/bin/uwsgi',
    '/usr/lib/uwsgi/plugins/python3_plugin.so',
    '/usr/bin/redis-server',
    '/usr/lib/python3/dist-packages/celery',
    '/usr/lib/python3/dist-packages/flask',
    '/usr/lib/python3/dist-packages/redis',
  ];
  const missing = needed.filter((p) => !fs.existsSync(p));
  return missing.length === 0 ? null : `missing ${missing.join(', ')} (run scripts/install-test-deps.sh)`;
}

/** Skips locally when the Debian packages are absent; under CI (`make test` installs them) that is a failure. */
export function requireStack(t: TestContext): boolean {
  const missing = missingStack();
  if (missing === null) return true;
  if (process.env.CI) assert.fail(missing);
  t.skip(missing);
  return false;
}

// ---------------------------------------------------------------------------------------------
// The app copy, ports, HTTP

export interface AppCopy {
  readonly root: string;
  readonly dir: string;
}

export function copyExample(): AppCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-fc-'));
  const dir = path.join(root, 'app');
  // Leave out anything a run by hand may have left in the source folder.
  const skip = new Set(['run', '.muster', '__pycache__']);
  fs.cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !skip.has(path.basename(src)) });
  return { root, dir };
}

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One GET, no keep-alive (an idle kept-alive connection must not hold nginx's graceful stop). */
export function get(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      response.on('error', reject);
    });
    request.once('timeout', () => request.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    request.once('error', reject);
  });
}

