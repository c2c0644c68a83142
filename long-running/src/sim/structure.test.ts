import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The simulator's parts import each other in one direction (docs/simulator.md, "Structure"): the matching
 * core knows nothing of the account, the account nothing of the feeds, views or the facade. Any import
 * (`import type` included: a type import still ties the two files' designs together) that closes a circle
 * fails here, naming the circle.
 */

const SIM = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(path);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of a file (static `import … from`, `export … from`, `import('…')`). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

/** The import graph of the simulator's non-test files, by path relative to src/sim. */
export function simImportGraph(dir = SIM): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const deps = importsOf(readFileSync(file, 'utf8'))
      .map((spec) => resolve(dirname(file), spec))
      .filter((p) => p.startsWith(dir))
      .map((p) => relative(dir, p));
    graph.set(relative(dir, file), [...new Set(deps)]);
  }
  return graph;
}

/** One circle of the graph as a path `a → b → … → a`, or undefined if there is none. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'active') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'active');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('simulator structure', () => {
  it('reads type imports, re-exports and multi-line imports', () => {
    const src = [
      "import type { A } from './a.ts';",
      'import {',
      '  b,',
      "} from '../b.ts';",
      "export { c } from './c.ts';",
      "import pino from 'pino';",
      "const d = await import('./d.ts');",
    ].join('\n');
    expect(importsOf(src)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts']);
  });

  it('finds a circle, and none in a one-way graph', () => {
    const circle = new Map([
      ['engine.ts', ['margin.ts']],
      ['margin.ts', ['fills.ts']],
      ['fills.ts', ['engine.ts']],
    ]);
    expect(findCycle(circle)).toEqual(['engine.ts', 'margin.ts', 'fills.ts', 'engine.ts']);
    const oneWay = new Map([
      ['engine.ts', ['margin.ts', 'fills.ts']],
      ['margin.ts', ['fills.ts']],
      ['fills.ts', []],
    ]);
    expect(findCycle(oneWay)).toBeUndefined();
  });

  it('has no import circle among the simulator files (src/sim/**, tests excluded)', () => {
    const graph = simImportGraph();
    expect(graph.get('engine.ts')?.length).toBeGreaterThan(0);
    expect(findCycle(graph)?.join(' → ')).toBeUndefined();
  });

  it('keeps the matching core free of the account, the feeds, the views and the facade', () => {
    const graph = simImportGraph();
    const reach = (from: string, seen = new Set<string>()): Set<string> => {
      for (const d of graph.get(from) ?? [])
        if (!seen.has(d)) {
          seen.add(d);
          reach(d, seen);
        }
      return seen;
    };
    for (const part of ['matching.ts', 'account.ts', 'margin.ts', 'fills.ts', 'feed.ts', 'views.ts'])
      expect(graph.has(part), part).toBe(true);
    const core = reach('matching.ts');
    for (const upper of ['account.ts', 'margin.ts', 'fills.ts', 'feed.ts', 'views.ts', 'engine.ts'])
      expect(core.has(upper), `matching.ts reaches ${upper}`).toBe(false);
    const account = reach('account.ts');
    for (const upper of ['feed.ts', 'views.ts', 'engine.ts', 'order-flow.ts'])
      expect(account.has(upper), `account.ts reaches ${upper}`).toBe(false);
  });
});
