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

interface Outstanding {
  sentAt: number;
  timer: NodeJS.Timeout;
  settle: () => void;
}

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
  if (options.count < 1 || options.concurrency < 1 || options.connections < 1) {
    throw new RigError('SIM_OPTIONS', 'count, concurrency and connections must be at least 1', { exitCode: 2 });
  }
  const spec = resolveSpec(options.spec);
  const framing = resolveFraming({ kind: options.framing, headerLength: options.headerLength });
  const header = options.headerLength > 0 ? Buffer.alloc(options.headerLength) : undefined;
  const expectedMti = responseMti(options.mti);
  const outstanding = new Map<string, Outstanding>();
  const answeredKeys = new Set<string>();
  const latencies: number[] = [];
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

  const onResponse = (message: IsoMessage) => {
    const key = `${message.fields[41]}|${message.fields[11]}|${message.fields[37]}`;
    const entry = outstanding.get(key);
    if (!entry) {
      if (answeredKeys.has(key)) report.duplicates++;
      else report.unmatched++;
      return;
    }
    outstanding.delete(key);
    answeredKeys.add(key);
    clearTimeout(entry.timer);
    latencies.push(performance.now() - entry.sentAt);
    report.answered++;
    if (message.mti !== expectedMti) report.wrongMti++;
    const code = String(message.fields[39] ?? 'none');
    report.byResponseCode[code] = (report.byResponseCode[code] ?? 0) + 1;
    entry.settle();
  };

  const sockets = await Promise.all(Array.from({ length: options.connections }, (_, i) => open(options, framing, onResponse, i)));
  const started = performance.now();
  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress?.({ sent: report.sent, answered: report.answered, inFlight: outstanding.size, elapsedMs: performance.now() - started }), options.progressEveryMs)
    : undefined;

  let inFlight = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    inFlight--;
    wake?.();
  };
  const intervalMs = options.rate > 0 ? 1000 / options.rate : 0;
  const done: Promise<void>[] = [];
  for (let n = 0; n < options.count; n++) {
    while (inFlight >= options.concurrency) await new Promise<void>((resolve) => (wake = resolve));
    if (intervalMs > 0) {
      const due = started + n * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
    }
    const terminal = `TERM${String(n % options.connections).padStart(4, '0')}`;
    const stan = String((n % 999_999) + 1).padStart(6, '0');
    const rrn = String(n).padStart(12, '0');
    const amount = typeof options.amount === 'function' ? options.amount(n) : options.amount;
    const now = new Date();
    const request: IsoMessage = {
      mti: options.mti,
      fields: {
        2: options.pans[n % options.pans.length] as string,
        3: '000000',
        4: String(amount).padStart(12, '0'),
        7: `${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}${pad2(now.getUTCHours())}${pad2(now.getUTCMinutes())}${pad2(now.getUTCSeconds())}`,
        11: stan,
        12: `${pad2(now.getUTCHours())}${pad2(now.getUTCMinutes())}${pad2(now.getUTCSeconds())}`,
        13: `${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}`,
        22: '051',
        25: '00',
        32: '123456',
        37: rrn,
        41: terminal,
        42: 'MERCHANT0000001',
        49: '978',
      },
    };
    const key = `${terminal}|${stan}|${rrn}`;
    inFlight++;
    done.push(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          outstanding.delete(key);
          report.timedOut++;
          settled();
          resolve();
        }, options.timeoutMs);
        outstanding.set(key, {
          sentAt: performance.now(),
          timer,
          settle: () => {
            settled();
            resolve();
          },
        });
      }),
    );
    const socket = sockets[n % sockets.length] as Socket;
    socket.write(encodeFrame(pack(request, spec), framing, header));
    report.sent++;
  }
  await Promise.all(done);
  // A short grace period catches late duplicates of answered requests.
  await sleep(Math.min(200, options.timeoutMs));
  if (progressTimer) clearInterval(progressTimer);
  for (const socket of sockets) socket.destroy();

  report.elapsedMs = performance.now() - started;
  report.tps = report.answered / (report.elapsedMs / 1000);
  report.latencyMs = percentiles(latencies);
  return report;

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

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

export function percentiles(samples: number[]): AcquirerReport['latencyMs'] {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] as number), mean: round(mean) };
}
