// Random bytes in any file give diagnostics (or a config), never an exception.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadAppConfig } from '../../../src/config/load';
import { makeApp } from './app-fixture';

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = 'ab=#:"\'\\ \t\n\r${}[]._-,0123456789xyz{}export process web command ready env_file depends_on';

function noise(next: () => number, bytes: boolean): Buffer {
  const n = Math.floor(next() * 300);
  if (bytes) return Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
  return Buffer.from(Array.from({ length: n }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join(''));
}

test('fuzz: random bytes and random config-like text never throw', () => {
  const next = rng(20260101);
  for (let i = 0; i < 150; i++) {
    const bytes = i % 2 === 0;
    const files: Record<string, Buffer> = {};
    for (const name of ['Procfile', '.env', 'muster.toml']) if (next() < 0.8) files[name] = noise(next, bytes);
    const result = loadAppConfig(makeApp(files), {});
    if (!result.ok) {
      assert.ok(result.diagnostics.length > 0);
      for (const d of result.diagnostics) {
        assert.doesNotMatch(d.message, /internal error/, `case ${i}: ${d.message}`);
        assert.equal(typeof d.line, 'number');
      }
    }
  }
});

test('fuzz: valid-looking TOML with random values never throws', () => {
  const next = rng(7);
  const values = ['1', '"x"', 'true', '[1, "a"]', '{ a = 1 }', '"30s"', '1979-05-27', '[]', '{}', '-5', '1.5', '"../.."', '"${X"'];
  const keys = ['command', 'cwd', 'env', 'env_file', 'instances', 'depends_on', 'ready', 'restart', 'stop_signal', 'reload_signal', 'stop_timeout', 'stop_scope', 'max_restarts', 'restart_window', 'user'];
  for (let i = 0; i < 150; i++) {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const lines = ['[process.web]'];
    for (const k of keys) if (next() < 0.4) lines.push(`${k} = ${pick(values)}`);
    lines.push('[process.worker]', `depends_on = ${pick(['["web"]', '{ web = "ready" }', '[1]', '{ web = 1 }', '["worker"]'])}`);
    const result = loadAppConfig(makeApp({ Procfile: 'worker: true\n', 'muster.toml': lines.join('\n') }), {});
    if (!result.ok) for (const d of result.diagnostics) assert.doesNotMatch(d.message, /internal error/, lines.join('\n'));
  }
});
