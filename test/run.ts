/**
 * test/run.ts: the test stage of `make test` (typecheck and lint run before it, from the Makefile).
 *   1. starts one nats-server (JetStream) and one Temporal dev server for the whole run (pkg/supervise)
 *      and hands them to every test file through FLUXRIG_TEST_* variables (see test/support/engines.ts);
 *   2. runs every *.test.ts under cmd, pkg, gears, test and bench with `node --import tsx --test`,
 *      two files at a time, under c8 coverage;
 *   3. prints node's closing counts (# tests, # pass, # fail …) and the coverage of pkg/ and overall,
 *      checks them against the thresholds below, stops the engines, and exits non-zero on any failure.
 * Usage: node --import tsx test/run.ts [path …]   (paths narrow the run to files under them)
 * It never skips a test file it found and never hides a test's output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isRigError } from '../pkg/errors/index.ts';
import { type EngineHandle, startNats, startTemporal } from '../pkg/supervise/index.ts';
import { TEST_TEMPORAL_NAMESPACE } from './support/engines.ts';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEST_ROOTS = ['cmd', 'pkg', 'gears', 'test', 'bench'];
const SKIPPED_DIRS = new Set(['node_modules', '.cache', 'coverage', 'dist', 'target']);
const THRESHOLDS = { pkgLines: 70, overallLines: 60 };
const FILE_CONCURRENCY = 2;
const TEST_TIMEOUT_MS = 300_000;
const COVERAGE_DIR = join(root, 'coverage');

function say(line: string): void {
  process.stdout.write(`test: ${line}\n`);
}

/** Every *.test.ts below the test roots (or below the given paths), sorted for a stable order. */
function findTestFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(join(dir, entry.name));
      } else if (entry.name.endsWith('.test.ts')) {
        found.push(join(dir, entry.name));
      }
    }
  };
  for (const path of paths) {
    const absolute = resolve(root, path);
    if (absolute.endsWith('.test.ts') && existsSync(absolute)) found.push(absolute);
    else if (existsSync(absolute)) walk(absolute);
  }
  return [...new Set(found)].sort();
}

async function startEngines(dataDir: string) {
  const started = Date.now();
  const [natsStart, temporalStart] = await Promise.allSettled([
    startNats({ dataDir: join(dataDir, 'nats') }),
    startTemporal({ dataDir: join(dataDir, 'temporal'), namespace: TEST_TEMPORAL_NAMESPACE }),
  ]);
  if (natsStart.status === 'rejected' || temporalStart.status === 'rejected') {
    // Stop the one that did come up before reporting the one that did not.
    for (const start of [natsStart, temporalStart]) if (start.status === 'fulfilled') await start.value.stop();
    throw natsStart.status === 'rejected' ? natsStart.reason : (temporalStart as PromiseRejectedResult).reason;
  }
  const [nats, temporal] = [natsStart.value, temporalStart.value];
  say(
    `engines ready in ${Date.now() - started} ms: nats-server ${nats.url}, ` +
      `temporal ${temporal.address} (namespace ${temporal.namespace}); logs in ${relative(root, dataDir)}`,
  );
  return { nats, temporal };
}

/**
 * Runs the test files under c8; resolves with the exit code of the test runner. Raw coverage and the TAP
 * copy go to this run's own directory, so two `make test` runs in one tree do not mix their data.
 */
function runTests(files: readonly string[], env: NodeJS.ProcessEnv, runDir: string): Promise<number> {
  const c8 = join(root, 'node_modules', '.bin', 'c8');
  const args = [
    '--config', join(root, '.c8rc.json'),
    '--temp-directory', join(runDir, 'coverage-tmp'),
    process.execPath, '--import', 'tsx', '--test',
    `--test-concurrency=${FILE_CONCURRENCY}`,
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${join(runDir, 'results.tap')}`,
    ...files.map((file) => relative(root, file)),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(c8, args, { cwd: root, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

/** Node's own closing lines (`# tests N`, `# pass N`, `# fail N` …) from the TAP copy of the run. */
function closingCounts(tapFile: string): { lines: string[]; failed: number } {
  if (!existsSync(tapFile)) return { lines: [], failed: 0 };
  const lines = readFileSync(tapFile, 'utf8')
    .split('\n')
    .filter((line) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line));
  const fail = lines.find((line) => line.startsWith('# fail '));
  const cancelled = lines.find((line) => line.startsWith('# cancelled '));
  return { lines, failed: Number(fail?.slice(7) ?? 0) + Number(cancelled?.slice(12) ?? 0) };
}

interface LineCount {
  total: number;
  covered: number;
}

/**
 * Line coverage of pkg/ and of everything c8 measured, from coverage/coverage-summary.json. Files that
 * compile to no JavaScript at all (declarations only: interfaces, types) are left out: c8's `all` mode
 * counts every line of a never-loaded file as missed, and such a file can never be loaded.
 */
function lineCoverage(): { pkg: LineCount; overall: LineCount; typeOnly: number } | undefined {
  const summaryFile = join(COVERAGE_DIR, 'coverage-summary.json');
  if (!existsSync(summaryFile)) return undefined;
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Record<string, { lines: LineCount }>;
  const pkg: LineCount = { total: 0, covered: 0 };
  const overall: LineCount = { total: 0, covered: 0 };
  const pkgPrefix = join(root, 'pkg') + sep;
  let typeOnly = 0;
  for (const [file, entry] of Object.entries(summary)) {
    if (file === 'total') continue;
    if (entry.lines.covered === 0 && hasNoRuntimeCode(file)) {
      typeOnly++;
      continue;
    }
    for (const count of file.startsWith(pkgPrefix) ? [pkg, overall] : [overall]) {
      count.total += entry.lines.total;
      count.covered += entry.lines.covered;
    }
  }
  return { pkg, overall, typeOnly };
}

/** True when `file` declares only types: interfaces, type aliases, type-only imports and exports. */
function hasNoRuntimeCode(file: string): boolean {
  if (!file.endsWith('.ts') || !existsSync(file)) return false;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const onlyTypeSpecifiers = (bindings: ts.NamedImportBindings | ts.NamedExportBindings | undefined) =>
    bindings !== undefined && 'elements' in bindings && bindings.elements.every((element) => element.isTypeOnly);
  return source.statements.every(
    (statement) =>
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      (ts.isImportDeclaration(statement) &&
        (statement.importClause?.isTypeOnly === true || onlyTypeSpecifiers(statement.importClause?.namedBindings))) ||
      (ts.isExportDeclaration(statement) && (statement.isTypeOnly || onlyTypeSpecifiers(statement.exportClause))),
  );
}

function percent(count: LineCount): number {
  return count.total === 0 ? 100 : (100 * count.covered) / count.total;
}

async function main(): Promise<number> {
  const runStarted = Date.now();
  const narrowedTo = process.argv.slice(2);
  // Coverage thresholds speak about the whole suite; a narrowed run only reports its figures.
  const enforceCoverage = narrowedTo.length === 0;
  const files = findTestFiles(enforceCoverage ? TEST_ROOTS : narrowedTo);
  say(`${files.length} test files under ${(enforceCoverage ? TEST_ROOTS : narrowedTo).join(', ')}`);
  if (files.length === 0) return 1;

  mkdirSync(join(root, '.cache', 'test-run'), { recursive: true });
  const runDir = mkdtempSync(join(root, '.cache', 'test-run', 'run-'));
  let engines: EngineHandle[] = [];
  let status = 1;
  try {
    say('starting nats-server and the Temporal dev server');
    const { nats, temporal } = await startEngines(runDir);
    engines = [nats, temporal];
    const python = join(root, '.cache', 'venv', 'bin', 'python');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FLUXRIG_TEST_NATS_URL: nats.url,
      FLUXRIG_TEST_TEMPORAL_ADDRESS: temporal.address,
      FLUXRIG_TEST_TEMPORAL_NAMESPACE: temporal.namespace,
      ...(existsSync(python) ? { FLUXRIG_TEST_PYTHON: python } : {}),
    };

    say(`running tests (${FILE_CONCURRENCY} files at a time, ${TEST_TIMEOUT_MS / 1000} s per test) under c8 coverage`);
    const testsStarted = Date.now();
    const runnerCode = await runTests(files, env, runDir);
    const counts = closingCounts(join(runDir, 'results.tap'));
    say(`tests finished in ${Math.round((Date.now() - testsStarted) / 1000)} s; node's closing counts:`);
    for (const line of counts.lines) process.stdout.write(`${line}\n`);

    const coverageStarted = Date.now();
    const coverage = lineCoverage();
    let coverageOk = false;
    if (coverage) {
      const pkgPercent = percent(coverage.pkg);
      const overallPercent = percent(coverage.overall);
      coverageOk =
        !enforceCoverage || (pkgPercent >= THRESHOLDS.pkgLines && overallPercent >= THRESHOLDS.overallLines);
      say(
        `coverage (lines): pkg/ ${pkgPercent.toFixed(1)}% (need >= ${THRESHOLDS.pkgLines}%), ` +
          `overall ${overallPercent.toFixed(1)}% (need >= ${THRESHOLDS.overallLines}%)` +
          `${enforceCoverage ? (coverageOk ? '' : ' -- BELOW THRESHOLD') : ' (not enforced: narrowed run)'}` +
          `; ${coverage.typeOnly} declaration-only files left out (${Date.now() - coverageStarted} ms)` +
          '; report: coverage/lcov-report/index.html',
      );
    } else {
      say('coverage: no coverage/coverage-summary.json was written');
      coverageOk = !enforceCoverage;
    }
    const testsOk = runnerCode === 0 && counts.failed === 0 && counts.lines.length > 0;
    status = testsOk && coverageOk ? 0 : 1;
  } catch (error) {
    if (!isRigError(error)) throw error;
    process.stderr.write(`test: ${error.describe()}\n`);
  } finally {
    const stopping = Date.now();
    await Promise.all(engines.map((engine) => engine.stop()));
    if (engines.length > 0) say(`engines stopped in ${Date.now() - stopping} ms`);
    if (status === 0) rmSync(runDir, { recursive: true, force: true });
    else say(`engine logs and results.tap kept in ${relative(root, runDir)}`);
  }
  say(`${status === 0 ? 'PASSED' : 'FAILED'} in ${Math.round((Date.now() - runStarted) / 1000)} s`);
  return status;
}

process.exitCode = await main();
