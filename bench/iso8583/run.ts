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
 *      the run, not the figure), several rounds interleaved, every other round in reverse order;
 *   4. prints msgs per CPU-second (median of the rounds) and the ratios fluxrig/jPOS (goal >= 1.0) and
 *      fluxrig/moov (goal >= 0.7), each the median of the rounds' own ratios: the machine's speed drifts
 *      over minutes, and a ratio of two processes run seconds apart in one round carries less of it,
 *      and writes the figures to .cache/bench/iso8583.json.
 * fluxrig decodes DE 55 into EMV TLV items and encodes them back; stock jPOS (ISO87APackager/ISO87BPackager)
 * and moov carry DE 55 as one opaque value. So each side runs several ways, and the lines say which work
 * is compared:
 *   "DE 55 as items"   fluxrig as shipped vs jPOS decoding DE 55 with its own BER-TLV packager (harness
 *                      spec ascii-tlv55/binary-tlv55, which reports how many items it unpacked: checked
 *                      here against fluxrig's count); moov has no such line;
 *   binary "DE 55 opaque"  fluxrig with --opaque 55 (DE 55 as bytes) vs stock jPOS (IFB_LLLCHAR: the same
 *                      bytes as a String) and moov (bytes);
 *   ascii "DE 55 as bytes" fluxrig with --opaque 55 vs jPOS's ascii-bytes55 spec: both read DE 55's hex
 *                      digits into bytes and write them back; moov has no such line;
 *   ascii "DE 55 as text"  fluxrig with --text 55 (DE 55 as LLL text of type any: no hex decoded, no
 *                      character refused) vs stock jPOS (IFA_LLLCHAR, the same) and moov (Spec87ASCII's LLL
 *                      string, which it checks is ASCII);
 *   the other lines pit fluxrig doing more work against the stock peers, kept so that figures recorded
 *   under those setups stay comparable: "items vs opaque" (fluxrig as shipped) and, ascii, "bytes vs
 *   text" (the line earlier runs called "DE 55 opaque": fluxrig decoding hex that the peers keep as text).
 * What it must never do: compare figures for different bytes, or report a peer that failed as a number.
 *
 * Usage: node --import tsx bench/iso8583/run.ts [--rounds 3] [--warmup-ms 2000] [--measure-ms 3000]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { builtinSpec, pack, unpack } from '../../pkg/iso8583/index.ts';
import { fluxFromVector, toHex } from '../../test/interop/support/convert.ts';
import { JPOS_HARNESS_JAR, jposVersion } from '../../test/interop/support/oracles.ts';
import { loadVectors } from '../../test/interop/support/suite.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const cacheDir = join(root, '.cache/bench');
const moovDir = join(here, 'moov');
const moovBinary = join(cacheDir, 'moov-bench');

const GOALS = { jpos: 1.0, moov: 0.7 };

/** What every implementation prints (one JSON line). */
interface Figure {
  impl: string;
  spec: string;
  /** Round trips per second of the process's CPU time: the figure compared. */
  ops_per_cpu_sec: number;
  /** Round trips per wall-clock second, for reference (depends on the machine's other load). */
  ops_per_sec: number;
  roundtrip_exact?: boolean;
  /** The jPOS harness with a -tlv55 spec: how many EMV items it unpacked from DE 55. */
  de55_items?: number;
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

/**
 * Each measured process: fluxrig as shipped (DE 55 as EMV items), with DE 55 as plain bytes (`-opaque`) or
 * as text (`-text`); jPOS stock, with DE 55 as items (`-items`) or hex read into bytes (`-bytes`); moov stock.
 */
type Impl = 'fluxrig' | 'fluxrig-opaque' | 'fluxrig-text' | 'jpos-items' | 'jpos-bytes' | 'jpos' | 'moov';

/** One printed line: which fluxrig figure is compared with which peer figures. */
interface Line {
  suffix: string;
  fluxrig: Impl;
  jpos: Impl;
  moov: Impl | undefined;
}

const SPECS: readonly { short: 'ascii' | 'binary'; fluxrig: string; label: string; impls: readonly Impl[]; lines: readonly Line[] }[] = [
  {
    short: 'ascii',
    fluxrig: 'iso87ascii',
    label: 'ISO 8583:1987 ASCII',
    impls: ['fluxrig', 'jpos-items', 'fluxrig-opaque', 'jpos-bytes', 'fluxrig-text', 'jpos', 'moov'],
    lines: [
      { suffix: 'DE 55 as items', fluxrig: 'fluxrig', jpos: 'jpos-items', moov: undefined },
      { suffix: 'DE 55 as bytes', fluxrig: 'fluxrig-opaque', jpos: 'jpos-bytes', moov: undefined },
      { suffix: 'DE 55 as text', fluxrig: 'fluxrig-text', jpos: 'jpos', moov: 'moov' },
      { suffix: 'bytes vs text', fluxrig: 'fluxrig-opaque', jpos: 'jpos', moov: 'moov' },
      { suffix: 'items vs opaque', fluxrig: 'fluxrig', jpos: 'jpos', moov: 'moov' },
    ],
  },
  {
    short: 'binary',
    fluxrig: 'iso87binary',
    label: 'ISO 8583:1987 binary/BCD',
    impls: ['fluxrig', 'jpos-items', 'fluxrig-opaque', 'jpos', 'moov'],
    lines: [
      { suffix: 'DE 55 as items', fluxrig: 'fluxrig', jpos: 'jpos-items', moov: undefined },
      { suffix: 'DE 55 opaque', fluxrig: 'fluxrig-opaque', jpos: 'jpos', moov: 'moov' },
      { suffix: 'items vs opaque', fluxrig: 'fluxrig', jpos: 'jpos', moov: 'moov' },
    ],
  },
];

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function measure(impl: Impl, spec: 'ascii' | 'binary', hex: string, warmupMs: number, measureMs: number): Figure {
  const timing = { warmup: String(warmupMs), measure: String(measureMs) };
  const fluxrigArgs = ['--import', 'tsx', join(here, 'fluxrig.ts'), '--spec', spec, '--hex', hex, '--warmup-ms', timing.warmup, '--measure-ms', timing.measure];
  const jposArgs = (jposSpec: string) => ['-jar', JPOS_HARNESS_JAR, 'bench', jposSpec, hex, timing.warmup, timing.measure];
  const commands: Record<Impl, () => [string, string[]]> = {
    fluxrig: () => pinned(process.execPath, fluxrigArgs),
    'fluxrig-opaque': () => pinned(process.execPath, [...fluxrigArgs, '--opaque', '55']),
    'fluxrig-text': () => pinned(process.execPath, [...fluxrigArgs, '--text', '55']),
    jpos: () => pinned('java', jposArgs(spec)),
    'jpos-items': () => pinned('java', jposArgs(`${spec}-tlv55`)),
    'jpos-bytes': () => pinned('java', jposArgs(`${spec}-bytes55`)),
    moov: () => pinned(moovBinary, ['-spec', spec, '-hex', hex, '-warmup', `${warmupMs}ms`, '-measure', `${measureMs}ms`]),
  };
  const [command, args] = commands[impl]();
  return parseFigure(`${impl} ${spec}`, run(`${impl} ${spec}`, command, args, { cwd: root, env: { ...process.env, GOMAXPROCS: '1' } }));
}

/** How many EMV items fluxrig unpacks from DE 55 of `bytes`: what jPOS's -tlv55 packager must also find. */
function fluxrigItems(bytes: Uint8Array, spec: ReturnType<typeof builtinSpec>): number {
  const de55 = unpack(bytes, spec).fields[55];
  if (!Array.isArray(de55)) throw new Error('fluxrig did not unpack DE 55 of the bench message into EMV items');
  return de55.length;
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

  type Row = { spec: string; label: string; bytes: number; median: { fluxrig: number; jpos: number; moov: number | null }; ratios: { jpos: number; moov: number | null } };
  const rows: Row[] = [];
  const allFigures: Figure[] = [];
  for (const s of SPECS) {
    const spec = builtinSpec(s.fluxrig);
    const bytes = pack(fluxFromVector(vector, spec), spec);
    const hex = toHex(bytes);
    const items = fluxrigItems(bytes, spec);
    const figures = Object.fromEntries(s.impls.map((impl) => [impl, [] as Figure[]])) as Record<Impl, Figure[]>;
    for (let round = 1; round <= rounds; round++) {
      // Reversed every other round, so neither side of a pair always runs first after a slower neighbour.
      for (const impl of round % 2 === 1 ? s.impls : [...s.impls].reverse()) {
        const figure = measure(impl, s.short, hex, warmupMs, measureMs);
        if (impl === 'jpos-items' && figure.de55_items !== items) {
          throw new Error(`jPOS ${s.short}-tlv55 unpacked ${figure.de55_items ?? 'no'} DE 55 items, fluxrig ${items}: not the same work`);
        }
        say(`bench:   ${s.short.padEnd(6)} round ${round} ${impl.padEnd(14)} ${formatRate(figure.ops_per_cpu_sec).padStart(10)} msgs/CPU-s  (${formatRate(figure.ops_per_sec)} msgs/s wall)`);
        figures[impl].push(figure);
        allFigures.push(figure);
      }
    }
    const medianOfImpl = (impl: Impl) => medianOf(figures[impl].map((f) => f.ops_per_cpu_sec));
    const medianRatio = (fluxrig: Impl, peer: Impl) => medianOf(figures[fluxrig].map((f, round) => f.ops_per_cpu_sec / (figures[peer][round]?.ops_per_cpu_sec ?? Number.NaN)));
    for (const line of s.lines) {
      const median = { fluxrig: medianOfImpl(line.fluxrig), jpos: medianOfImpl(line.jpos), moov: line.moov === undefined ? null : medianOfImpl(line.moov) };
      const ratios = { jpos: medianRatio(line.fluxrig, line.jpos), moov: line.moov === undefined ? null : medianRatio(line.fluxrig, line.moov) };
      rows.push({ spec: `${s.short}, ${line.suffix}`, label: s.label, bytes: bytes.length, median, ratios });
    }
  }

  const versions = { node: process.version, jpos: jposVersion(), moov: run('moov version', 'go', ['list', '-m', '-f', '{{.Version}}', 'github.com/moov-io/iso8583'], { cwd: moovDir }).trim(), java: spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '' };
  say('');
  say(`unpack+pack msgs per CPU-second (median of ${rounds} rounds; ratios: median of the rounds' ratios), one CPU each; node ${versions.node}, jPOS ${versions.jpos} (${versions.java}), moov-io/iso8583 ${versions.moov}`);
  say('line                       bytes     fluxrig        jPOS        moov   fluxrig/jPOS  fluxrig/moov');
  for (const r of rows) {
    const mark = (ratio: number | null, goal: number) => (ratio === null ? '-' : `${ratio.toFixed(2)}${ratio >= goal ? ' ok ' : ' LOW'}`);
    say(
      `${r.spec.padEnd(25)} ${String(r.bytes).padStart(6)} ${formatRate(r.median.fluxrig).padStart(11)} ${formatRate(r.median.jpos).padStart(11)} ${(r.median.moov === null ? '-' : formatRate(r.median.moov)).padStart(11)}   ${mark(r.ratios.jpos, GOALS.jpos).padStart(12)}  ${mark(r.ratios.moov, GOALS.moov).padStart(12)}`,
    );
  }
  say(`goals: fluxrig/jPOS >= ${GOALS.jpos}, fluxrig/moov >= ${GOALS.moov}`);
  say('DE 55 as items: both decode the EMV items and encode them back (jPOS: its BERTLVBinaryPackager); nobody decodes them in the other lines;');
  say('ascii DE 55 as bytes: both read its hex digits into bytes; as text: both keep the digits as text (the stock peers\' way); binary opaque: bytes;');
  say('items vs opaque, bytes vs text: fluxrig does more than the stock peers (setups of earlier recorded figures; "bytes vs text" was "DE 55 opaque")');
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(join(cacheDir, 'iso8583.json'), `${JSON.stringify({ at: new Date().toISOString(), message: vector.name, rounds, warmupMs, measureMs, versions, goals: GOALS, rows, figures: allFigures }, null, 2)}\n`);
}

main();
