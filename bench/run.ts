/**
 * bench/run.ts: the driver behind `make bench`. Runs every benchmark folder's entry, one after the other.
 *
 * A benchmark is a folder `bench/<name>/` with a `run.ts`; adding a benchmark means adding such a folder,
 * nothing here. Each entry builds what it compares against, measures, and prints its own table with the
 * baselines it measured in the same run. This driver only runs them in order (never in parallel: they
 * would steal each other's CPU), passes its arguments through, and reports which ones failed.
 * What it must never do: time anything itself, or hide an entry's output or failure.
 *
 * Usage: node --import tsx bench/run.ts [name …] [-- args for every entry]
 *   no names: every benchmark;  names: only those folders (e.g. `bench/run.ts iso8583`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchRoot = resolve(fileURLToPath(new URL('.', import.meta.url)));
const projectRoot = resolve(benchRoot, '..');

function availableBenchmarks(): string[] {
  return readdirSync(benchRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(benchRoot, entry.name, 'run.ts')))
    .map((entry) => entry.name)
    .sort();
}

function main(argv: readonly string[]): number {
  const separator = argv.indexOf('--');
  const names = separator === -1 ? [...argv] : argv.slice(0, separator);
  const passThrough = separator === -1 ? [] : argv.slice(separator + 1);
  const available = availableBenchmarks();
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: no benchmark named ${unknown.join(', ')} (have: ${available.join(', ') || 'none'})\n`);
    return 2;
  }
  const selected = names.length > 0 ? names : available;
  const failed: string[] = [];
  for (const name of selected) {
    process.stdout.write(`\nbench: ── ${name} ──\n`);
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(benchRoot, name, 'run.ts'), ...passThrough], {
      cwd: projectRoot,
      stdio: 'inherit',
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (run.status === 0) {
      process.stdout.write(`bench: ${name} done in ${seconds} s\n`);
    } else {
      failed.push(name);
      const why = run.error ? run.error.message : run.signal ? `signal ${run.signal}` : `exit code ${run.status}`;
      process.stderr.write(`bench: ${name} FAILED after ${seconds} s (${why})\n`);
    }
  }
  process.stdout.write(`\nbench: ${selected.length - failed.length} of ${selected.length} benchmarks ran${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
