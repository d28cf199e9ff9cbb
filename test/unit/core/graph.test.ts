import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dependents, findCycle, topologicalOrder } from '../../../src/core/graph';

const edges = (o: Record<string, string[]>) => new Map(Object.entries(o));
const procs = (o: Record<string, string[]>) => Object.entries(o).map(([name, deps]) => ({ name, dependsOn: Object.fromEntries(deps.map((d) => [d, 'started'])) }));

test('findCycle: none, self, two and three nodes; path is closed', () => {
  assert.equal(findCycle(edges({ web: ['redis'], worker: ['redis'], redis: [] })), null);
  assert.deepEqual(findCycle(edges({ web: ['web'] })), ['web', 'web']);
  assert.deepEqual(findCycle(edges({ web: ['worker'], worker: ['web'] })), ['web', 'worker', 'web']);
  assert.deepEqual(findCycle(edges({ a: ['b'], b: ['c'], c: ['b'] })), ['b', 'c', 'b']);
  assert.deepEqual(findCycle(edges({ x: [], a: ['b'], b: ['c'], c: ['a'] })), ['a', 'b', 'c', 'a']);
});

test('findCycle: edges to unknown names are ignored; empty graph', () => {
  assert.equal(findCycle(edges({ web: ['ghost'] })), null);
  assert.equal(findCycle(new Map()), null);
});

test('topologicalOrder: each after its dependencies; config order otherwise kept', () => {
  assert.deepEqual(topologicalOrder(procs({ web: ['redis', 'migrate'], worker: ['redis'], redis: [], migrate: ['redis'] })),
    ['redis', 'worker', 'migrate', 'web']); // worker is free before migrate and comes first in config order
  assert.deepEqual(topologicalOrder(procs({ a: [], b: [], c: [] })), ['a', 'b', 'c']);
  assert.deepEqual(topologicalOrder([]), []);
});

test('topologicalOrder throws on a cycle; a duplicate name does not hang', () => {
  assert.throws(() => topologicalOrder(procs({ a: ['b'], b: ['a'] })), /dependency cycle: a -> b -> a/);
  assert.deepEqual(topologicalOrder([{ name: 'a', dependsOn: {} }, { name: 'a', dependsOn: {} }]), ['a']);
});

test('dependents are transitive, in start order', () => {
  const p = procs({ redis: [], db: [], web: ['redis', 'db'], worker: ['redis'], nginx: ['web'] });
  assert.deepEqual(dependents(p, 'redis'), ['web', 'worker', 'nginx']);
  assert.deepEqual(dependents(p, 'nginx'), []);
});
