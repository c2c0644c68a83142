/**
 * `pnpm bench [filter]`: runs every `<package>/bench/*.bench.ts` suite in this process, prints a table
 * and writes bench/results/<timestamp>.json (and latest.json). Each suite measures itself against the
 * named peers in the same run; nothing here asserts a time.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, BenchSuite } from './types.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['core', 'db', 'workers', 'long-running', 'web'];
const filter = process.argv[2];

const files = packages.flatMap((pkg) => {
  const dir = join(root, pkg, 'bench');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
});

const report: { suite: string; file: string; results: BenchResult[]; error?: string }[] = [];
for (const file of files.sort()) {
  const mod = (await import(pathToFileURL(file).href)) as { default: BenchSuite };
  const suite = mod.default;
  if (filter && !suite.name.includes(filter) && !file.includes(filter)) continue;
  const started = Date.now();
  process.stderr.write(`\n▶ ${suite.name} (${relative(root, file)})\n`);
  try {
    const results = await suite.run((m) => process.stderr.write(`  … ${m}\n`));
    report.push({ suite: suite.name, file: relative(root, file), results });
    process.stderr.write(`  ✓ ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    report.push({ suite: suite.name, file: relative(root, file), results: [], error: message });
    process.stderr.write(`  ✗ ${message}\n`);
  }
}

const fmt = (n: number) =>
  Number.isFinite(n) ? (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3)) : '-';
const rows = report.flatMap((r) =>
  r.results.map((x) => ({
    suite: r.suite,
    name: x.name,
    value: `${fmt(x.value)} ${x.unit}`,
    peer: x.peer ? `${x.peer.name}: ${fmt(x.peer.value)}` : '',
    ratio: x.ratio === undefined ? '' : `${fmt(x.ratio)}x`,
    goal: x.goal ? `${x.goal} ${x.goalMet === undefined ? '' : x.goalMet ? 'met' : 'MISSED'}` : '',
  })),
);
console.table(rows);

const out = {
  at: new Date().toISOString(),
  node: process.versions.node,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  suites: report,
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const stamp = out.at.replace(/[:.]/g, '-');
writeFileSync(join(root, 'bench', 'results', `${stamp}.json`), JSON.stringify(out, null, 2));
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(out, null, 2));
console.log(`wrote bench/results/${stamp}.json`);
if (report.some((r) => r.error)) process.exitCode = 1;
