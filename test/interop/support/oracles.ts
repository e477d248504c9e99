/**
 * Batch clients for the interop oracles: the jPOS harness (test/interop/jpos, Maven-built jar) and the
 * pyiso8583 script (test/interop/pyiso8583/oracle.py in .cache/venv). Both speak the same line protocol:
 * one request line in, one JSON answer line out, `{"error": …}` for a line that failed.
 *
 * One process serves a whole batch (never one per message: a JVM start costs more than the batch).
 * What this module must never do: interpret or "fix" an oracle's answer. It returns exactly what the
 * oracle said; the comparison (and every representation rule) lives in convert.ts.
 * Installed by `make oracles` (test/interop/install); a missing oracle is an error saying so, never a skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RigError } from '../../../pkg/errors/index.ts';

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** A message as the oracles read and write it: field number → text (binary fields as upper-case hex). */
export interface OracleMessage {
  mti: string;
  fields: Record<string, string>;
}

export interface OracleError {
  error: string;
}

export interface Oracle {
  /** For messages: `jPOS 2.1.10 ISO87APackager`, `pyiso8583 4.0.1 default_ascii`. */
  readonly name: string;
  /** Data elements whose values the oracle gives (and takes) as hex of raw bytes. */
  readonly binaryFields: ReadonlySet<number>;
  unpack(hexMessages: readonly string[]): (OracleMessage | OracleError)[];
  pack(messages: readonly OracleMessage[]): (string | OracleError)[];
}

export function isOracleError(answer: unknown): answer is OracleError {
  return typeof answer === 'object' && answer !== null && 'error' in answer;
}

/** Runs one oracle process over `lines` and returns its JSON answers, one per line, in order. */
function runBatch(what: string, command: string, args: readonly string[], lines: readonly string[]): unknown[] {
  const run = spawnSync(command, args, {
    input: lines.length > 0 ? `${lines.join('\n')}\n` : '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (run.error || run.status !== 0) {
    throw new RigError('ORACLE_FAILED', `${what} exited ${run.error ? run.error.message : `with status ${run.status}`}`, {
      details: { stderr: run.stderr?.slice(0, 4000) },
    });
  }
  const answers = run.stdout.split('\n').filter((line) => line.trim() !== '');
  if (answers.length !== lines.length) {
    throw new RigError('ORACLE_FAILED', `${what} answered ${answers.length} line(s) for ${lines.length} request(s)`, {
      details: { stdout: run.stdout.slice(0, 4000), stderr: run.stderr.slice(0, 4000) },
    });
  }
  return answers.map((line) => JSON.parse(line) as unknown);
}

function requireFile(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new RigError('ORACLE_MISSING', `${what} is not installed (${path} is missing)`, {
      hint: 'run `make oracles` (test/interop/install) first',
    });
  }
  return path;
}

interface ProcessOracleOptions {
  name: string;
  command: string;
  /** Arguments before the mode (e.g. `-jar x.jar`). */
  prefixArgs: readonly string[];
  specArg: string;
  binaryFields: ReadonlySet<number>;
}

function processOracle(o: ProcessOracleOptions): Oracle {
  const run = (mode: string, lines: readonly string[]) =>
    runBatch(`${o.name} ${mode}`, o.command, [...o.prefixArgs, mode, o.specArg], lines);
  return {
    name: o.name,
    binaryFields: o.binaryFields,
    unpack: (hexMessages) => run('unpack', hexMessages) as (OracleMessage | OracleError)[],
    pack: (messages) =>
      run('pack', messages.map((m) => JSON.stringify(m))).map((answer) =>
        isOracleError(answer) ? answer : (answer as { hex: string }).hex,
      ),
  };
}

export type JposSpec = 'ascii' | 'binary' | 'ascii93';

const JPOS_PACKAGERS: Record<JposSpec, string> = { ascii: 'ISO87APackager', binary: 'ISO87BPackager', ascii93: 'ISO93APackager' };

export const JPOS_HARNESS_JAR = join(projectRoot, 'test/interop/jpos/target/jpos-harness.jar');

/** jPOS with ISO87APackager (`ascii`), ISO87BPackager (`binary`) or ISO93APackager (`ascii93`). */
export function jposOracle(spec: JposSpec): Oracle {
  const jar = requireFile(JPOS_HARNESS_JAR, 'the jPOS interop harness');
  const prefixArgs = ['-jar', jar];
  // `describe` prints one line per field the packager defines: number, packager class, binary or not.
  const describe = spawnSync('java', [...prefixArgs, 'describe', spec], { encoding: 'utf8', timeout: 60_000 });
  if (describe.status !== 0) {
    throw new RigError('ORACLE_FAILED', `jPOS describe ${spec} failed: ${describe.stderr.trim()}`);
  }
  const fields = describe.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { field: number; binary: boolean });
  const packager = JPOS_PACKAGERS[spec];
  return processOracle({
    name: `jPOS ${jposVersion()} ${packager}`,
    command: 'java',
    prefixArgs,
    specArg: spec,
    binaryFields: new Set(fields.filter((f) => f.binary).map((f) => f.field)),
  });
}

/** The jPOS version the harness was built with, from the jar Maven copied next to it. */
export function jposVersion(): string {
  const lib = join(projectRoot, 'test/interop/jpos/target/lib');
  const jar = existsSync(lib) ? readdirSync(lib).find((name) => /^jpos-\d.*\.jar$/.test(name)) : undefined;
  return jar?.slice('jpos-'.length, -'.jar'.length) ?? 'unknown';
}

/** The Python of .cache/venv (test/run.ts exports it as FLUXRIG_TEST_PYTHON). */
export function interopPython(): string {
  return process.env.FLUXRIG_TEST_PYTHON ?? requireFile(join(projectRoot, '.cache/venv/bin/python'), 'the interop Python venv');
}

export type PyIso8583Spec = 'ascii' | 'ebcdic';

const PYISO8583_SPECS: Record<PyIso8583Spec, string> = { ascii: 'default_ascii', ebcdic: 'default in cp037' };

/** pyiso8583 with its stock `default_ascii` spec, or its `default` spec written in EBCDIC (see oracle.py). */
export function pyiso8583Oracle(spec: PyIso8583Spec = 'ascii'): Oracle {
  const python = interopPython();
  const script = join(projectRoot, 'test/interop/pyiso8583/oracle.py');
  const describe = spawnSync(python, [script, 'describe', spec], { encoding: 'utf8' });
  if (describe.status !== 0) {
    throw new RigError('ORACLE_MISSING', `pyiso8583 is not usable from ${python}: ${describe.stderr.trim()}`, {
      hint: 'run `make oracles` (test/interop/install) first',
    });
  }
  const info = JSON.parse(describe.stdout) as { binary: number[]; version: string };
  return processOracle({
    name: `pyiso8583 ${info.version} ${PYISO8583_SPECS[spec]}`,
    command: python,
    prefixArgs: [script],
    specArg: spec,
    binaryFields: new Set(info.binary),
  });
}
