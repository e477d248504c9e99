/**
 * `rig sim acquirer | issuer`: the ISO 8583 simulators of pkg/sim on the command line.
 * `acquirer` sends N authorisations at a chosen rate and concurrency, shows a progress line on stderr
 * (rewritten in place on a terminal, one line per second otherwise) and prints a report (table or
 * `--json`); it exits 1 when any request was lost (timed out, unmatched, duplicated) or answered with
 * the wrong MTI. `issuer` answers by rule until SIGINT/SIGTERM, then prints what it answered.
 * Thin: option parsing and printing only; never prints card numbers (the report has none).
 */
import type { Command } from 'commander';
import { RigError } from '../../../pkg/errors/index.ts';
import type { FramingKind } from '../../../pkg/iso8583/framing.ts';
import { type AcquirerProgress, type AcquirerReport, runAcquirer } from '../../../pkg/sim/acquirer.ts';
import { type IssuerStats, startIssuer } from '../../../pkg/sim/issuer.ts';
import { readIssuerRules } from '../../../pkg/sim/rules-file.ts';
import { renderTable } from './inspect.ts';

/** The framings a simulator speaks (a persistent TCP connection: `none` has no message boundary). */
const FRAMINGS = ['binary2', 'ascii4'] as const satisfies readonly FramingKind[];

function usage(message: string, hint?: string): RigError {
  return new RigError('CLI_USAGE', message, { exitCode: 2, ...(hint ? { hint } : {}) });
}

/** Parses a whole number option within bounds, naming the flag when it is not one. */
export function integerOption(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw usage(`${flag} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, got "${text}"`);
  }
  return value;
}

function framingOption(text: string): (typeof FRAMINGS)[number] {
  if (!(FRAMINGS as readonly string[]).includes(text)) throw usage(`unknown framing "${text}"`, `use one of: ${FRAMINGS.join(', ')}`);
  return text as (typeof FRAMINGS)[number];
}

interface AcquirerFlags {
  host: string;
  port: string;
  count: string;
  rate: string;
  concurrency: string;
  connections: string;
  timeout: string;
  mti: string;
  spec: string;
  framing: string;
  headerLength: string;
  amount: string;
  progress: boolean;
}

/** Writes the progress line: in place on a terminal (carriage return + clear to end), else one line each time. */
export function progressWriter(stream: NodeJS.WriteStream, total: number) {
  const tty = stream.isTTY === true;
  let lastAnswered = 0;
  let lastElapsed = 0;
  let shown = false;
  return {
    update(progress: AcquirerProgress): void {
      const seconds = (progress.elapsedMs - lastElapsed) / 1000;
      const rate = seconds > 0 ? (progress.answered - lastAnswered) / seconds : 0;
      lastAnswered = progress.answered;
      lastElapsed = progress.elapsedMs;
      const line = `sent ${progress.sent}/${total}  answered ${progress.answered}  in flight ${progress.inFlight}  ${Math.round(rate)} tps  ${(progress.elapsedMs / 1000).toFixed(1)}s`;
      stream.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
      shown = true;
    },
    /** Clears an in-place line so the report starts on a clean line. */
    finish(): void {
      if (tty && shown) stream.write('\r\x1b[K');
    },
  };
}

/** The report as METRIC / VALUE rows, response codes sorted. */
export function acquirerReportRows(report: AcquirerReport): string[][] {
  const ms = (value: number) => value.toFixed(3);
  const codes = Object.entries(report.byResponseCode).sort(([a], [b]) => a.localeCompare(b));
  return [
    ['sent', String(report.sent)],
    ['answered', String(report.answered)],
    ['timed out', String(report.timedOut)],
    ['wrong MTI', String(report.wrongMti)],
    ['unmatched', String(report.unmatched)],
    ['duplicates', String(report.duplicates)],
    ...codes.map(([code, count]) => [`response ${code}`, String(count)]),
    ['elapsed s', (report.elapsedMs / 1000).toFixed(3)],
    ['TPS', report.tps.toFixed(1)],
    ['latency p50 ms', ms(report.latencyMs.p50)],
    ['latency p90 ms', ms(report.latencyMs.p90)],
    ['latency p99 ms', ms(report.latencyMs.p99)],
    ['latency max ms', ms(report.latencyMs.max)],
  ];
}

/** What went wrong in a run, for the exit status: lost requests and wrong response MTIs. */
export function acquirerFailures(report: AcquirerReport): string[] {
  const failures: string[] = [];
  if (report.timedOut > 0) failures.push(`${report.timedOut} timed out`);
  if (report.unmatched > 0) failures.push(`${report.unmatched} unmatched`);
  if (report.duplicates > 0) failures.push(`${report.duplicates} duplicated`);
  if (report.wrongMti > 0) failures.push(`${report.wrongMti} with the wrong MTI`);
  return failures;
}

async function acquirer(flags: AcquirerFlags, command: Command): Promise<void> {
  const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
  if (flags.mti !== '0100' && flags.mti !== '0200') throw usage(`--mti must be 0100 or 0200, got "${flags.mti}"`);
  const count = integerOption('--count', flags.count, 1);
  const progress = flags.progress ? progressWriter(process.stderr, count) : undefined;
  const report = await runAcquirer({
    host: flags.host,
    port: integerOption('--port', flags.port, 1, 65535),
    count,
    rate: integerOption('--rate', flags.rate, 0),
    concurrency: integerOption('--concurrency', flags.concurrency, 1),
    connections: integerOption('--connections', flags.connections, 1, 1024),
    timeoutMs: integerOption('--timeout', flags.timeout, 1),
    mti: flags.mti,
    spec: flags.spec,
    framing: framingOption(flags.framing),
    headerLength: integerOption('--header-length', flags.headerLength, 0, 64),
    amount: integerOption('--amount', flags.amount, 0, 999_999_999_999),
    ...(progress ? { onProgress: (p: AcquirerProgress) => progress.update(p), progressEveryMs: 1000 } : {}),
  })
    .catch((error: unknown) => {
      if (error instanceof RigError && error.code === 'SIM_CONNECT') {
        throw new RigError(error.code, error.message, { hint: 'is the ISO 8583 listener up on that host and port? (`rig run` prints its acquirer endpoint)', cause: error });
      }
      throw error;
    })
    .finally(() => progress?.finish());
  const failures = acquirerFailures(report);
  if (json) process.stdout.write(`${JSON.stringify({ ok: failures.length === 0, ...report }, null, 2)}\n`);
  else process.stdout.write(renderTable(['METRIC', 'VALUE'], acquirerReportRows(report)));
  if (failures.length > 0) {
    process.stderr.write(`rig: ${failures.join(', ')} of ${report.sent} sent\n`);
    process.exitCode = 1;
  }
}

interface IssuerFlags {
  host: string;
  port: string;
  spec: string;
  framing: string;
  headerLength: string;
  rules?: string;
  defaultCode?: string;
}

function issuerStatsRows(stats: IssuerStats): string[][] {
  return [
    ['requests', String(stats.requests)],
    ['approved', String(stats.approved)],
    ['declined', String(stats.declined)],
    ['silent', String(stats.silent)],
    ['malformed', String(stats.malformed)],
    ['network messages', String(stats.networkMessages)],
  ];
}

async function issuer(flags: IssuerFlags, command: Command): Promise<void> {
  const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
  const fromFile = flags.rules === undefined ? {} : await readIssuerRules(flags.rules);
  if (flags.defaultCode !== undefined && !/^[0-9A-Z]{2}$/.test(flags.defaultCode)) throw usage(`--default-code must be two characters such as 00, got "${flags.defaultCode}"`);
  const simulator = await startIssuer({
    host: flags.host,
    port: integerOption('--port', flags.port, 0, 65535),
    spec: flags.spec,
    framing: framingOption(flags.framing),
    header_length: integerOption('--header-length', flags.headerLength, 0, 64),
    ...fromFile,
    ...(flags.defaultCode === undefined ? {} : { default_code: flags.defaultCode }),
  }).catch((error: unknown) => {
    // A bad JSONata condition names `rules[i].when`: say which file it came from.
    if (error instanceof RigError && error.code === 'SIM_RULE' && flags.rules !== undefined) {
      throw new RigError(error.code, error.message, { where: `${flags.rules} ${error.where ?? ''}`.trim(), exitCode: error.exitCode, cause: error });
    }
    throw error;
  });
  const where = `${flags.host}:${simulator.port}`;
  if (json) process.stdout.write(`${JSON.stringify({ listening: where, host: flags.host, port: simulator.port })}\n`);
  else process.stdout.write(`issuer simulator listening on ${where}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.close();
  if (json) process.stdout.write(`${JSON.stringify({ stopped: signal, stats: simulator.stats })}\n`);
  else process.stdout.write(`issuer simulator stopped (${signal})\n${renderTable(['STAT', 'COUNT'], issuerStatsRows(simulator.stats))}`);
}

export function register(program: Command): void {
  const sim = program.command('sim').description('ISO 8583 simulators: load-generating acquirer, rule-driven issuer');
  sim
    .command('acquirer')
    .description('send N authorisation requests and report TPS, latency percentiles and response codes')
    .option('--host <host>', 'listener to send to', '127.0.0.1')
    .option('--port <port>', 'listener port (rig run: the acquirer port)', '8583')
    .option('--count <n>', 'requests to send', '1000')
    .option('--rate <tps>', 'requests per second; 0 = as fast as --concurrency allows', '0')
    .option('--concurrency <n>', 'most requests in flight at once', '64')
    .option('--connections <n>', 'TCP connections to spread requests over', '4')
    .option('--timeout <ms>', 'a request not answered within this is counted as timed out', '5000')
    .option('--mti <mti>', '0100 (authorisation) or 0200 (financial)', '0200')
    .option('--spec <name|file>', 'ISO 8583 spec: a built-in name or a spec file', 'iso87ascii')
    .option('--framing <kind>', `length framing: ${FRAMINGS.join(' | ')}`, 'binary2')
    .option('--header-length <bytes>', 'bytes of header (e.g. TPDU) after the length prefix', '0')
    .option('--amount <minor>', 'amount in minor units (DE 4)', '1000')
    .option('--no-progress', 'no progress line on stderr')
    .addHelpText('after', '\nExit status: 0 when every request got exactly one answer with the right MTI, 1 otherwise, 2 on bad options.\nAdd --json for the report as JSON.')
    .action((flags: AcquirerFlags, command: Command) => acquirer(flags, command));
  sim
    .command('issuer')
    .description('answer authorisations by rule until SIGINT/SIGTERM, then print what was answered')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 = a free port (printed)', '9201')
    .option('--spec <name|file>', 'ISO 8583 spec: a built-in name or a spec file', 'iso87ascii')
    .option('--framing <kind>', `length framing: ${FRAMINGS.join(' | ')}`, 'binary2')
    .option('--header-length <bytes>', 'bytes of header (e.g. TPDU) after the length prefix', '0')
    .option('--rules <file>', 'YAML/JSON rules: a list of { when, code, delay_ms, respond }, or { rules, default_code }')
    .option('--default-code <code>', 'DE 39 when no rule matches', undefined)
    .addHelpText(
      'after',
      '\nWithout --rules: amounts over 10,000.00 get 51, PANs ending 0002 get 05, everything else 00.\nRules are JSONata over { mti, fields }, e.g.  - { when: \'fields."4" = "000000000666"\', code: "05" }',
    )
    .action((flags: IssuerFlags, command: Command) => issuer(flags, command));
}
