// The dependency graph of an app's processes: pure functions over names, no I/O.
// An edge a -> b means "a depends on b" (b must be started, ready or done before a starts).

/**
 * A dependency cycle as a closed path, first name repeated at the end (['web', 'worker', 'web'];
 * a self-dependency is ['web', 'web']), or null when there is none. Edges to names that are not
 * keys of `edges` are ignored. Deterministic: nodes and edges are visited in map/array order.
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      const s = state.get(next);
      if (s === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of edges.keys()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found !== null) return found;
  }
  return null;
}

export interface GraphNode {
  readonly name: string;
  /** Names this process depends on (keys), to any condition. */
  readonly dependsOn: Readonly<Record<string, unknown>>;
}

export function edgesOf(processes: readonly GraphNode[]): Map<string, string[]> {
  return new Map(processes.map((p) => [p.name, Object.keys(p.dependsOn)]));
}

/**
 * Names ordered so that each comes after all of its dependencies: the start order. Among
 * processes free to go, config order is kept. Throws on a cycle (validated configs have none).
 */
export function topologicalOrder(processes: readonly GraphNode[]): string[] {
  const edges = edgesOf(processes);
  const cycle = findCycle(edges);
  if (cycle !== null) throw new Error(`dependency cycle: ${cycle.join(' -> ')}`);
  const placed = new Set<string>();
  const order: string[] = [];
  // Restart the scan after each placement so an earlier process freed by it goes first.
  for (let progress = true; progress;) {
    progress = false;
    for (const name of edges.keys()) {
      if (placed.has(name)) continue;
      if (edges.get(name)!.every((d) => placed.has(d) || !edges.has(d))) {
        placed.add(name);
        order.push(name);
        progress = true;
        break;
      }
    }
  }
  return order;
}

/**
 * Every process that depends on `name`, directly or through others, in start order. These are
 * the processes to stop before `name` stops, and to restart after it restarts.
 */
export function dependents(processes: readonly GraphNode[], name: string): string[] {
  const found = new Set<string>([name]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of processes) {
      if (!found.has(p.name) && Object.keys(p.dependsOn).some((d) => found.has(d))) {
        found.add(p.name);
        grew = true;
      }
    }
  }
  return topologicalOrder(processes).filter((n) => n !== name && found.has(n));
}
