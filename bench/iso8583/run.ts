/**
 * bench/iso8583: unpack+pack throughput of a typical 0200 (chip purchase with PIN and EMV data) under the
 * ISO 8583:1987 ASCII and binary specs, fluxrig side by side with jPOS and moov-io/iso8583 in one run.
 *
 *   1. builds the peers when needed: the jPOS harness jar (test/interop/jpos/install, Maven) and the
 *      moov program (bench/iso8583/moov, Go module proxy, pinned in go.mod; Go's build cache is kept);
 *   2. packs the vector marked `bench` in test/interop/vectors.json with fluxrig, and hands the very same
 *      bytes (hex) to all three; each one checks it re-packs them byte for byte before it is timed;
 *   3. runs each implementation as its own process, single-threaded, pinned to one CPU, warm-up then a
 *      measured window, both counted in the process's CPU time (so other load on a shared machine slows
 *      the run, not the figure), several rounds interleaved; the median round counts;
 *   4. prints msgs per CPU-second and the ratios fluxrig/jPOS (goal >= 1.0) and fluxrig/moov (goal >= 0.7),
 *      and writes the figures to .cache/bench/iso8583.json. A second fluxrig line per spec ("DE 55 opaque")
 *      carries DE 55 as plain bytes, as jPOS and moov do, instead of decoding its EMV TLV items: the same
 *      bytes, the same work as the peers (their figures are the ones measured for the main line).
 * What it must never do: compare figures for different bytes, or report a peer that failed as a number.
 *
 * Usage: node --import tsx bench/iso8583/run.ts [--rounds 3] [--warmup-ms 2000] [--measure-ms 3000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtinSpec, pack } from '../../pkg/iso8583/index.ts';
import { fluxFromVector, toHex } from '../../test/interop/support/convert.ts';
import { JPOS_HARNESS_JAR, jposVersion } from '../../test/interop/support/oracles.ts';
import { loadVectors } from '../../test/interop/support/suite.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const cacheDir = join(root, '.cache/bench');
const moovDir = join(here, 'moov');
const moovBinary = join(cacheDir, 'moov-bench');

const GOALS = { jpos: 1.0, moov: 0.7 };
const SPECS = [
  { short: 'ascii', fluxrig: 'iso87ascii', label: 'ISO 8583:1987 ASCII' },
  { short: 'binary', fluxrig: 'iso87binary', label: 'ISO 8583:1987 binary/BCD' },
] as const;

/** What every implementation prints (one JSON line). */
interface Figure {
  impl: string;
  spec: string;
  /** Round trips per second of the process's CPU time: the figure compared. */
  ops_per_cpu_sec: number;
  /** Round trips per wall-clock second, for reference (depends on the machine's other load). */
  ops_per_sec: number;
  roundtrip_exact?: boolean;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function run(what: string, command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...options });
  if (result.error || result.status !== 0) {
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** Newest modification time of the files under `dir` whose names match `pattern`. */
function newestSource(dir: string, pattern: RegExp): number {
  return Math.max(...readdirSync(dir).filter((n) => pattern.test(n)).map((n) => statSync(join(dir, n)).mtimeMs));
}

function buildPeers(): void {
  run('jPOS harness build (test/interop/jpos/install)', 'bash', [join(root, 'test/interop/jpos/install')], { cwd: root });
  if (!existsSync(JPOS_HARNESS_JAR)) throw new Error(`jPOS harness missing after install: ${JPOS_HARNESS_JAR}`);
  mkdirSync(cacheDir, { recursive: true });
  const stale = !existsSync(moovBinary) || statSync(moovBinary).mtimeMs < newestSource(moovDir, /\.go$|^go\.(mod|sum)$/);
  if (stale) {
    say('bench: building bench/iso8583/moov (go build, module cache + build cache kept)');
    run('go build of bench/iso8583/moov', 'go', ['build', '-trimpath', '-o', moovBinary, '.'], { cwd: moovDir });
  }
}

/** Pins a command to one CPU when taskset exists, so every implementation gets the same single core. */
function pinned(command: string, args: readonly string[]): [string, string[]] {
  const cpu = String(Math.max(0, (availableCpus() ?? 1) - 1));
  return existsSync('/usr/bin/taskset') ? ['taskset', ['-c', cpu, command, ...args]] : [command, [...args]];
}

function availableCpus(): number | undefined {
  const out = spawnSync('nproc', { encoding: 'utf8' });
  return out.status === 0 ? Number(out.stdout.trim()) : undefined;
}

function parseFigure(what: string, stdout: string): Figure {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const figure = JSON.parse(line) as Figure;
  if (typeof figure.ops_per_cpu_sec !== 'number' || !(figure.ops_per_cpu_sec > 0)) throw new Error(`${what} printed no figure: ${line}`);
  if (figure.roundtrip_exact === false) throw new Error(`${what} does not re-pack the benchmark message byte for byte`);
  return figure;
}

type Impl = 'fluxrig' | 'jpos' | 'moov';
const IMPLS: readonly Impl[] = ['fluxrig', 'jpos', 'moov'];

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function measure(impl: Impl | 'fluxrig-opaque', spec: 'ascii' | 'binary', hex: string, warmupMs: number, measureMs: number): Figure {
  const timing = { warmup: String(warmupMs), measure: String(measureMs) };
  const fluxrigArgs = ['--import', 'tsx', join(here, 'fluxrig.ts'), '--spec', spec, '--hex', hex, '--warmup-ms', timing.warmup, '--measure-ms', timing.measure];
  const [command, args] =
    impl === 'fluxrig' || impl === 'fluxrig-opaque'
      ? pinned(process.execPath, impl === 'fluxrig' ? fluxrigArgs : [...fluxrigArgs, '--opaque', '55'])
      : impl === 'jpos'
        ? pinned('java', ['-jar', JPOS_HARNESS_JAR, 'bench', spec, hex, timing.warmup, timing.measure])
        : pinned(moovBinary, ['-spec', spec, '-hex', hex, '-warmup', `${warmupMs}ms`, '-measure', `${measureMs}ms`]);
  return parseFigure(`${impl} ${spec}`, run(`${impl} ${spec}`, command, args, { cwd: root, env: { ...process.env, GOMAXPROCS: '1' } }));
}

function formatRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function main(): void {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '3' }, 'warmup-ms': { type: 'string', default: '2000' }, 'measure-ms': { type: 'string', default: '3000' } },
  });
  const rounds = Number(values.rounds);
  const warmupMs = Number(values['warmup-ms']);
  const measureMs = Number(values['measure-ms']);

  buildPeers();
  const vector = loadVectors().vectors.find((v) => v.bench === true);
  if (vector === undefined) throw new Error('no vector marked "bench" in test/interop/vectors.json');
  say(`bench: message "${vector.name}" (${Object.keys(vector.fields).length + Object.keys(vector.binary).length} data elements), ${rounds} round(s) of ${warmupMs} ms warm-up + ${measureMs} ms measured, one CPU each`);

  const rows: { spec: string; label: string; bytes: number; median: Record<Impl, number>; ratios: { jpos: number; moov: number } }[] = [];
  const allFigures: Figure[] = [];
  for (const s of SPECS) {
    const spec = builtinSpec(s.fluxrig);
    const hex = toHex(pack(fluxFromVector(vector, spec), spec));
    const figures: Record<Impl | 'fluxrig-opaque', Figure[]> = { fluxrig: [], 'fluxrig-opaque': [], jpos: [], moov: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const impl of [...IMPLS, 'fluxrig-opaque'] as const) {
        const figure = measure(impl, s.short, hex, warmupMs, measureMs);
        say(`bench:   ${s.short.padEnd(6)} round ${round} ${impl.padEnd(14)} ${formatRate(figure.ops_per_cpu_sec).padStart(10)} msgs/CPU-s  (${formatRate(figure.ops_per_sec)} msgs/s wall)`);
        figures[impl].push(figure);
        allFigures.push(figure);
      }
    }
    const medianOfImpl = (impl: Impl | 'fluxrig-opaque') => medianOf(figures[impl].map((f) => f.ops_per_cpu_sec));
    const peers = { jpos: medianOfImpl('jpos'), moov: medianOfImpl('moov') };
    for (const [flux, label] of [['fluxrig', s.short], ['fluxrig-opaque', `${s.short}, DE 55 opaque`]] as const) {
      const median = { fluxrig: medianOfImpl(flux), ...peers };
      rows.push({ spec: label, label: s.label, bytes: hex.length / 2, median, ratios: { jpos: median.fluxrig / median.jpos, moov: median.fluxrig / median.moov } });
    }
  }

  const versions = { node: process.version, jpos: jposVersion(), moov: run('moov version', 'go', ['list', '-m', '-f', '{{.Version}}', 'github.com/moov-io/iso8583'], { cwd: moovDir }).trim(), java: spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '' };
  say('');
  say(`unpack+pack msgs per CPU-second (median of ${rounds}), one CPU each; node ${versions.node}, jPOS ${versions.jpos} (${versions.java}), moov-io/iso8583 ${versions.moov}`);
  say('spec                    bytes     fluxrig        jPOS        moov   fluxrig/jPOS  fluxrig/moov');
  for (const r of rows) {
    const mark = (ratio: number, goal: number) => `${ratio.toFixed(2)}${ratio >= goal ? ' ok ' : ' LOW'}`;
    say(
      `${r.spec.padEnd(22)} ${String(r.bytes).padStart(6)} ${formatRate(r.median.fluxrig).padStart(11)} ${formatRate(r.median.jpos).padStart(11)} ${formatRate(r.median.moov).padStart(11)}   ${mark(r.ratios.jpos, GOALS.jpos).padStart(12)}  ${mark(r.ratios.moov, GOALS.moov).padStart(12)}`,
    );
  }
  say(`goals: fluxrig/jPOS >= ${GOALS.jpos}, fluxrig/moov >= ${GOALS.moov}`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, 'iso8583.json'), `${JSON.stringify({ at: new Date().toISOString(), message: vector.name, rounds, warmupMs, measureMs, versions, goals: GOALS, rows, figures: allFigures }, null, 2)}\n`);
}

main();
