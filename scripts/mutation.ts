/**
 * Mutation testing with Stryker (vitest runner) on the modules where a bug costs money or trust.
 *
 *   npx -y pnpm@10 mutation                    # every package below, one after the other
 *   npx -y pnpm@10 mutation core               # one package
 *   npx -y pnpm@10 mutation core "contract maths" "indicator cores"   # some modules of one package
 *
 * Each module is its own Stryker run, from its package's folder (its vitest config, its tests; Stryker's
 * sandbox is `<package>/.stryker-tmp`, git-ignored), with one test-runner process unless
 * STRYKER_CONCURRENCY says otherwise. Reports: `reports/mutation/<package>/<module>/index.html` and
 * `mutation.json`. Incremental mode: `reports/mutation/<package>/<module>/incremental.json` (git-ignored)
 * keeps the outcome of every mutant with the tests that covered it, so a rerun after a small change only
 * retests the mutants in changed code or covered by changed tests. `--force` ignores it. Not part of
 * `.ci/run` (far too slow for two cores). Prints the mutation score per module at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** package → module name → files mutated (globs relative to the package). */
export const MODULES: Record<string, Record<string, string[]>> = {
  core: {
    'webhook intake & idempotency': [
      'src/signals/idempotency.ts',
      'src/signals/payload.ts',
      'src/signals/symbols.ts',
      'src/signals/actions.ts',
      'src/signals/text.ts',
      'src/signals/json-keys.ts',
      'src/signals/placeholders.ts',
    ],
    'contract maths': ['src/contract/math.ts'],
    'candle builder & roll-ups': ['src/marketdata/candle-builder.ts', 'src/marketdata/timeframe.ts'],
    // the indicator cores in two runs of a manageable size on two shared cores
    'indicator cores: averages and windows': [
      'src/indicators/sma.ts',
      'src/indicators/ema.ts',
      'src/indicators/ring-window.ts',
      'src/indicators/sliding-min.ts',
    ],
    'indicator cores: oscillators and bands': [
      'src/indicators/rsi.ts',
      'src/indicators/macd.ts',
      'src/indicators/bollinger.ts',
      'src/indicators/atr.ts',
      'src/indicators/stoch-rsi.ts',
    ],
    'engine state machine & risk checks': [
      'src/engine/order-state.ts',
      'src/engine/sizing.ts',
      'src/risk/checks.ts',
      'src/risk/limits.ts',
    ],
  },
  db: {
    'envelope encryption': ['src/crypto/envelope.ts', 'src/crypto/encoding.ts'],
    'audit chain': ['src/repositories/audit.ts'],
  },
  workers: {
    'HMAC & comparison': ['src/security/hmac.ts', 'src/security/compare.ts'],
  },
  'long-running': {
    'simulator margin & funding': ['src/sim/margin.ts'],
    'KuCoin request signing': ['src/exchange/kucoin/credential.ts', 'src/exchange/kucoin/request.ts'],
    'collector roll-ups': ['src/collector/symbol-candles.ts'],
  },
};

const INDICATOR_TESTS = [
  'test/talib-parity.test.ts',
  'src/indicators/streaming.test.ts',
  'src/indicators/squeeze.test.ts',
  'src/indicators/cores.test.ts',
];

/**
 * Where a package's mutated files are imported by most of its suite (db's encoding helpers), vitest's
 * "related" selection is the whole suite; these packages run only the tests written for the modules.
 * A mutant killed only by some other test file counts as survived here: the score is a lower bound.
 * A key `<package>:<module>` names the tests of one module (it wins over the package's list).
 */
export const TESTS: Record<string, string[]> = {
  // the indicator cores: their TA-Lib parity tests, the stream/batch and warm-up tests, the squeeze tests
  // (SlidingMin's only user) and the hand-computed ones; not every test that imports an indicator
  // through the features, the bundle or the strategies (that made the dry run 5.5 min)
  'core:indicator cores: averages and windows': INDICATOR_TESTS,
  'core:indicator cores: oscillators and bands': INDICATOR_TESTS,
  db: ['src/crypto/**/*.test.ts', 'src/repositories/audit.test.ts'],
  workers: ['src/security/**/*.test.ts'],
  'long-running': [
    'src/sim/engine.test.ts',
    'src/sim/fidelity.test.ts',
    'src/sim/margin*.test.ts',
    'src/collector/symbol-candles.test.ts',
    'src/exchange/kucoin/credential.test.ts',
    'src/exchange/kucoin/request.test.ts',
  ],
};

interface Mutant {
  status: string;
}
interface Report {
  files: Record<string, { mutants: Mutant[] }>;
}

/** Stryker's score: detected (killed + timeout) / valid (all but compile errors and ignored). */
export function score(mutants: Mutant[]): { score: number; killed: number; survived: number; total: number } {
  const detected = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
  const undetected = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').length;
  const total = detected + undetected;
  return {
    score: total === 0 ? Number.NaN : (100 * detected) / total,
    killed: detected,
    survived: undetected,
    total,
  };
}

/** A module's folder name under reports/mutation/<package>/: `webhook intake & idempotency` → `webhook-intake-idempotency`. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Each module is its own Stryker run: its own report, its own incremental file, its own related tests. */
function runPackage(pkg: string, moduleNames: string[], force: boolean): void {
  const modules = MODULES[pkg]!;
  const chosen = moduleNames.length > 0 ? moduleNames : Object.keys(modules);
  for (const m of chosen)
    if (!modules[m]) throw new Error(`${pkg} has no module "${m}": ${Object.keys(modules).join(', ')}`);
  for (const m of chosen) runModule(pkg, m, force);
  for (const m of chosen) summarise(pkg, m);
}

function runModule(pkg: string, name: string, force: boolean): void {
  const cwd = join(repo, pkg);
  const out = join(repo, 'reports', 'mutation', pkg, slug(name));
  mkdirSync(out, { recursive: true });
  // Instrumented code with per-test coverage runs several times slower than the plain suite: the same
  // vitest config with longer test timeouts (root stays the sandbox, the config only adds time).
  const vitestConfig = join(out, 'vitest.config.mjs');
  writeFileSync(
    vitestConfig,
    `import base from ${JSON.stringify(join(cwd, 'vitest.config.ts'))};\n` +
      `const include = ${JSON.stringify(TESTS[`${pkg}:${name}`] ?? TESTS[pkg] ?? null)} ?? base.test.include;\n` +
      'export default { ...base, test: { ...base.test, include, testTimeout: 180_000, hookTimeout: 180_000 } };\n',
  );
  const config = {
    $schema: relative(cwd, join(repo, 'node_modules/@stryker-mutator/core/schema/stryker-schema.json')),
    packageManager: 'pnpm',
    testRunner: 'vitest',
    // pnpm keeps Stryker in its store, where it cannot discover the runner by itself
    plugins: [join(repo, 'node_modules/@stryker-mutator/vitest-runner/dist/src/index.js')],
    vitest: { configFile: vitestConfig, related: true },
    coverageAnalysis: 'perTest',
    mutate: MODULES[pkg]![name]!,
    reporters: ['clear-text', 'progress', 'html', 'json'],
    htmlReporter: { fileName: relative(cwd, join(out, 'index.html')) },
    jsonReporter: { fileName: relative(cwd, join(out, 'mutation.json')) },
    incremental: true,
    incrementalFile: relative(cwd, join(out, 'incremental.json')),
    force,
    // one test-runner process by default: the machine is shared (STRYKER_CONCURRENCY=2 on a free one)
    concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
    timeoutMS: 20_000,
    dryRunTimeoutMinutes: 30,
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    thresholds: { high: 90, low: 80, break: null },
  };
  const configFile = join(out, 'stryker.config.json');
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const bin = join(repo, 'node_modules', '.bin', 'stryker');
  const r = spawnSync(bin, ['run', configFile], { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`stryker failed for ${pkg} / ${name} (exit ${r.status})`);
}

function summarise(pkg: string, name: string): void {
  const file = join(repo, 'reports', 'mutation', pkg, slug(name), 'mutation.json');
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const s = score(Object.values(report.files).flatMap((f) => f.mutants));
  console.log(
    `mutation score ${pkg} / ${name.padEnd(36)} ${Number.isNaN(s.score) ? '   n/a' : `${s.score.toFixed(1).padStart(5)} %`}  (${s.killed} detected / ${s.total}, ${s.survived} survived)`,
  );
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const rest = args.filter((a) => a !== '--force');
const [pkg, ...names] = rest;
if (pkg && !MODULES[pkg]) {
  console.error(`unknown package ${pkg}; one of: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}
for (const p of pkg ? [pkg] : Object.keys(MODULES)) runPackage(p, pkg ? names : [], force);
