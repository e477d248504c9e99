/**
 * The acquirer simulator: opens connections to an ISO 8583 listener and sends N authorisation
 * requests (0100 or 0200) at a chosen rate and concurrency, matching each response by STAN + RRN +
 * terminal. It reports throughput, latency percentiles, response codes, and anything wrong: timeouts,
 * wrong response MTIs, unmatched and duplicated responses. Used by `rig sim acquirer` and the switch
 * tests and benchmark.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RigError } from '../errors/index.ts';
import { type IsoDateTimeFields, isoDateTimeFields } from '../iso8583/datetime.ts';
import { encodeFrame, FrameDecoder, resolveFraming, type FramingKind } from '../iso8583/framing.ts';
import { pack, unpack } from '../iso8583/index.ts';
import { responseMti } from '../iso8583/match.ts';
import type { IsoMessage } from '../iso8583/types.ts';
import { resolveSpec } from './issuer.ts';

export interface AcquirerOptions {
  host: string;
  port: number;
  count: number;
  /** Requests per second across all connections; 0 = as fast as the in-flight window allows. */
  rate: number;
  /** Most requests in flight at once (across connections). */
  concurrency: number;
  connections: number;
  timeoutMs: number;
  mti: '0100' | '0200';
  spec: string;
  framing: FramingKind;
  headerLength: number;
  /** PANs to cycle through (test cards). */
  pans: string[];
  /** Amount in minor units, or a function of the request number. */
  amount: number | ((n: number) => number);
  onProgress?: (progress: AcquirerProgress) => void;
  progressEveryMs: number;
}

export interface AcquirerProgress {
  sent: number;
  answered: number;
  inFlight: number;
  elapsedMs: number;
}

export interface AcquirerReport {
  sent: number;
  answered: number;
  timedOut: number;
  wrongMti: number;
  unmatched: number;
  duplicates: number;
  byResponseCode: Record<string, number>;
  elapsedMs: number;
  tps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export const DEFAULT_TEST_PANS = ['4111111111111111', '5500000000000004', '4000000000000002', '340000000000009'];

/** What became of request n: one byte per request (0: not sent yet). */
const IN_FLIGHT = 1;
const ANSWERED = 2;
const TIMED_OUT = 3;

/**
 * A load generator must not be what it measures: per request this keeps a state byte and a send time
 * in arrays indexed by the request number (recovered from the response's RRN), one reused request
 * object, and one sweep timer for all timeouts, instead of a map entry, key strings, a promise, two
 * closures and a timer per request. On a machine shared with the switch under test every microsecond
 * and every young-generation collection it spends here is taken from the switch.
 */
export async function runAcquirer(input: Partial<AcquirerOptions> & { port: number }): Promise<AcquirerReport> {
  const options: AcquirerOptions = {
    host: '127.0.0.1',
    count: 1000,
    rate: 0,
    concurrency: 64,
    connections: 4,
    timeoutMs: 5000,
    mti: '0200',
    spec: 'iso87ascii',
    framing: 'binary2',
    headerLength: 0,
    pans: DEFAULT_TEST_PANS,
    amount: 1000,
    progressEveryMs: 1000,
    ...input,
  };
  const { count, connections } = options;
  if (count < 1 || options.concurrency < 1 || connections < 1) {
    throw new RigError('SIM_OPTIONS', 'count, concurrency and connections must be at least 1', { exitCode: 2 });
  }
  if (count > MAX_COUNT) {
    throw new RigError('SIM_OPTIONS', `count ${count} is over ${MAX_COUNT}: the RRN (DE 37) numbers the requests of one run`, { exitCode: 2 });
  }
  const spec = resolveSpec(options.spec);
  const framing = resolveFraming({ kind: options.framing, headerLength: options.headerLength });
  const header = options.headerLength > 0 ? Buffer.alloc(options.headerLength) : undefined;
  const expectedMti = responseMti(options.mti);
  const terminals = Array.from({ length: connections }, (_, i) => `TERM${String(i).padStart(4, '0')}`);
  const state = new Uint8Array(count);
  /** Request n's send time while it is in flight, its latency once answered. */
  const times = new Float64Array(count);
  const report: AcquirerReport = {
    sent: 0,
    answered: 0,
    timedOut: 0,
    wrongMti: 0,
    unmatched: 0,
    duplicates: 0,
    byResponseCode: {},
    elapsedMs: 0,
    tps: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
  };

  let inFlight = 0;
  let wake: (() => void) | undefined;
  let finished: (() => void) | undefined;
  let lastSettledAt = 0;
  const allSettled = new Promise<void>((resolve) => (finished = resolve));
  const settled = () => {
    inFlight--;
    wake?.();
    if (report.sent === count && report.answered + report.timedOut === count) {
      lastSettledAt = performance.now();
      finished?.();
    }
  };

  /** Request n's number from a response, when its RRN, STAN and terminal are the ones request n carried; else -1. */
  const requestNumber = (fields: IsoMessage['fields']): number => {
    const n = digitsValue(fields[37], RRN_DIGITS);
    if (n < 0 || n >= count) return -1;
    return digitsValue(fields[11], STAN_DIGITS) === stanOf(n) && fields[41] === terminals[n % connections] ? n : -1;
  };

  const onResponse = (message: IsoMessage) => {
    const n = requestNumber(message.fields);
    // A late answer to a request already counted as timed out is unmatched, as one nobody asked for.
    if (n < 0 || state[n] !== IN_FLIGHT) {
      if (n >= 0 && state[n] === ANSWERED) report.duplicates++;
      else report.unmatched++;
      return;
    }
    state[n] = ANSWERED;
    times[n] = performance.now() - (times[n] as number);
    report.answered++;
    if (message.mti !== expectedMti) report.wrongMti++;
    const code = String(message.fields[39] ?? 'none');
    report.byResponseCode[code] = (report.byResponseCode[code] ?? 0) + 1;
    settled();
  };

  // Every request has the same timeout and they are sent in order, so the ones due are the oldest in
  // flight: each sweep starts at the oldest unsettled request and stops at the first not yet due.
  let oldest = 0;
  const sweepEveryMs = Math.max(5, Math.min(100, Math.floor(options.timeoutMs / 10)));
  const sweep = setInterval(() => {
    const due = performance.now() - options.timeoutMs;
    for (; oldest < report.sent; oldest++) {
      if (state[oldest] !== IN_FLIGHT) continue;
      if ((times[oldest] as number) > due) break;
      state[oldest] = TIMED_OUT;
      report.timedOut++;
      settled();
    }
  }, sweepEveryMs);

  let sockets: Socket[] = [];
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    sockets = await Promise.all(Array.from({ length: connections }, (_, i) => open(options, framing, onResponse, i)));
    const started = performance.now();
    if (options.onProgress) {
      const onProgress = options.onProgress;
      progressTimer = setInterval(() => onProgress({ sent: report.sent, answered: report.answered, inFlight, elapsedMs: performance.now() - started }), options.progressEveryMs);
    }
    await sendAll(sockets, started);
    await allSettled;
    // The run lasted until its last request settled; the grace period after it is idle time, not part
    // of the throughput (counting it understated a one-second run's TPS by a sixth).
    report.elapsedMs = lastSettledAt - started;
    // A short grace period catches late duplicates of answered requests.
    await sleep(Math.min(200, options.timeoutMs));
  } finally {
    clearInterval(sweep);
    clearInterval(progressTimer);
    for (const socket of sockets) socket.destroy();
  }
  report.tps = report.answered / (report.elapsedMs / 1000);
  const answered: number[] = [];
  for (let n = 0; n < count; n++) if (state[n] === ANSWERED) answered.push(times[n] as number);
  report.latencyMs = percentiles(answered);
  return report;

  async function sendAll(links: Socket[], started: number): Promise<void> {
    const intervalMs = options.rate > 0 ? 1000 / options.rate : 0;
    const clock = new TransmissionClock();
    const fixedAmount = typeof options.amount === 'number' ? amountText(options.amount) : undefined;
    // pack() reads the message and keeps nothing of it: one request object, its varying fields set per request.
    const fields: IsoMessage['fields'] = { 2: '', 3: '000000', 4: '', 7: '', 11: '', 12: '', 13: '', 22: '051', 25: '00', 32: '123456', 37: '', 41: '', 42: 'MERCHANT0000001', 49: '978' };
    const request: IsoMessage = { mti: options.mti, fields };
    for (let n = 0; n < count; n++) {
      while (inFlight >= options.concurrency) await new Promise<void>((resolve) => (wake = resolve));
      if (intervalMs > 0) {
        const due = started + n * intervalMs;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
      clock.update();
      fields[2] = options.pans[n % options.pans.length] as string;
      fields[4] = fixedAmount ?? amountText((options.amount as (n: number) => number)(n));
      fields[7] = clock.fields.transmission;
      fields[11] = String(stanOf(n)).padStart(STAN_DIGITS, '0');
      fields[12] = clock.fields.localTime;
      fields[13] = clock.fields.localDate;
      fields[37] = String(n).padStart(RRN_DIGITS, '0');
      fields[41] = terminals[n % connections] as string;
      const frame = encodeFrame(pack(request, spec), framing, header);
      state[n] = IN_FLIGHT;
      times[n] = performance.now();
      inFlight++;
      report.sent++;
      (links[n % connections] as Socket).write(frame);
    }
  }

  function open(opts: AcquirerOptions, resolved: ReturnType<typeof resolveFraming>, deliver: (m: IsoMessage) => void, index: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      const decoder = new FrameDecoder(resolved);
      socket.once('connect', () => resolve(socket));
      socket.once('error', (error) => reject(new RigError('SIM_CONNECT', `connection ${index} to ${opts.host}:${opts.port} failed: ${error.message}`, { cause: error })));
      socket.on('data', (chunk) => {
        for (const frame of decoder.push(chunk)) {
          try {
            deliver(unpack(frame.message, spec));
          } catch {
            report.unmatched++;
          }
        }
      });
    });
  }
}

const STAN_DIGITS = 6;
const RRN_DIGITS = 12;
/** The RRN (DE 37, 12 digits) carries the request number. */
const MAX_COUNT = 10 ** RRN_DIGITS;

/** The STAN (DE 11) of request n: 000001-999999, wrapping. */
function stanOf(n: number): number {
  return (n % 999_999) + 1;
}

function amountText(amount: number): string {
  return String(amount).padStart(12, '0');
}

/** The number a field of exactly `digits` ASCII digits spells, or -1 for anything else. */
function digitsValue(value: unknown, digits: number): number {
  if (typeof value !== 'string' || value.length !== digits) return -1;
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** DE 7, 12 and 13 of the current second, made again only when the second changes. */
class TransmissionClock {
  fields: IsoDateTimeFields = isoDateTimeFields(new Date());
  private second = -1;

  update(): void {
    const nowMs = Date.now();
    const second = Math.floor(nowMs / 1000);
    if (second === this.second) return;
    this.second = second;
    this.fields = isoDateTimeFields(new Date(nowMs));
  }
}

export function percentiles(samples: number[]): AcquirerReport['latencyMs'] {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] as number), mean: round(mean) };
}
