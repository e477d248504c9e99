/**
 * Realistic telemetry for tests and benchmarks: ISO 8583 authorisations flowing through a listener,
 * parser, router and client, with approvals, declines and the odd error. Deterministic for a seed so a
 * failing test can be replayed. Never contains a clear PAN (only masked ones, as producers emit them).
 */
import type { LogRecord, MessageRecord, MetricRecord, SpanRecord } from '../../pkg/telemetry/records.ts';

export const SCENARIOS = ['card-auth', 'echo'] as const;
export const GEARS = ['tcp-in', 'iso-parse', 'route', 'tcp-out'] as const;
const RESPONSE_CODES = ['00', '00', '00', '00', '00', '00', '05', '51', '91'] as const;

/** A small fast PRNG (mulberry32): reproducible data without a dependency. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rand: () => number, length: number): string => {
  let out = '';
  while (out.length < length) out += Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
};

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

export interface Traffic {
  spans: SpanRecord[];
  messages: MessageRecord[];
  logs: LogRecord[];
  metrics: MetricRecord[];
}

/**
 * `authorisations` traces spread evenly from `startUs` over `spreadUs`; each trace has one span per gear
 * (the first is the root) and one message per gear.
 */
export function generateTraffic(options: { authorisations: number; startUs: number; spreadUs: number; seed?: number }): Traffic {
  const rand = random(options.seed ?? 7);
  const traffic: Traffic = { spans: [], messages: [], logs: [], metrics: [] };
  const step = options.spreadUs / Math.max(1, options.authorisations);
  for (let i = 0; i < options.authorisations; i++) {
    const scenario = pick(rand, SCENARIOS);
    const traceId = hex(rand, 32);
    const responseCode = pick(rand, RESPONSE_CODES);
    const failed = rand() < 0.02;
    let parent: string | undefined;
    let timeUs = options.startUs + Math.floor(i * step);
    for (const gear of GEARS) {
      const spanId = hex(rand, 16);
      const latencyMs = 0.2 + rand() * (gear === 'tcp-out' ? 40 : 3);
      const errored = failed && gear === 'tcp-out';
      const subject = `fluxrig.data.${scenario}.${gear}`;
      traffic.spans.push({
        traceId,
        spanId,
        ...(parent ? { parentSpanId: parent } : {}),
        name: `${gear} process`,
        kind: gear === 'tcp-in' ? 'server' : gear === 'tcp-out' ? 'client' : 'consumer',
        startUs: timeUs,
        endUs: timeUs + Math.round(latencyMs * 1000),
        durationMs: latencyMs,
        status: errored ? 'error' : 'ok',
        ...(errored ? { statusMessage: 'issuer timeout' } : {}),
        scenario,
        gear,
        rack: 'r1',
        service: 'rig-rack',
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': subject,
          'messaging.operation.type': 'process',
          'iso8583.mti': '0100',
          'iso8583.pan': '411111******1111',
        },
        resource: { 'service.name': 'rig-rack', 'fluxrig.rack': 'r1' },
      });
      traffic.messages.push({
        timeUs,
        scenario,
        gear,
        rack: 'r1',
        subject,
        messageId: String(1_000_000 + i),
        size: 180 + Math.floor(rand() * 60),
        latencyMs,
        mti: gear === 'tcp-out' ? '0110' : '0100',
        ...(gear === 'tcp-out' && !errored ? { responseCode } : {}),
        status: errored ? 'error' : 'ok',
        traceId,
      });
      if (errored) {
        traffic.logs.push({
          timeUs,
          level: 'error',
          severity: 17,
          message: 'issuer did not answer within 30000 ms',
          scenario,
          gear,
          rack: 'r1',
          service: 'rig-rack',
          traceId,
          spanId,
          attributes: { 'iso8583.stan': String(i % 1_000_000).padStart(6, '0') },
        });
      }
      parent = spanId;
      timeUs += Math.round(latencyMs * 1000);
    }
    if (i % 50 === 0) {
      traffic.logs.push({
        timeUs,
        level: 'info',
        severity: 9,
        message: `authorised ${i} messages`,
        scenario,
        gear: 'route',
        rack: 'r1',
        service: 'rig-rack',
        attributes: {},
      });
    }
  }
  // One counter and one histogram point per scenario and gear per minute of the spread.
  const minutes = Math.max(1, Math.ceil(options.spreadUs / 60_000_000));
  for (let m = 0; m < minutes; m++) {
    for (const scenario of SCENARIOS) {
      for (const gear of GEARS) {
        const count = 10 + Math.floor(rand() * 100);
        traffic.metrics.push({
          timeUs: options.startUs + m * 60_000_000,
          name: 'fluxrig.messages.processed',
          kind: 'counter',
          unit: '{message}',
          value: count,
          scenario,
          gear,
          rack: 'r1',
          service: 'rig-rack',
          attributes: {},
        });
        traffic.metrics.push({
          timeUs: options.startUs + m * 60_000_000,
          name: 'fluxrig.gear.duration',
          kind: 'histogram',
          unit: 'ms',
          value: 2.5,
          count,
          sum: count * 2.5,
          min: 0.2,
          max: 40,
          bounds: [1, 5, 10, 50],
          bucketCounts: [count - 3, 1, 1, 1, 0],
          scenario,
          gear,
          rack: 'r1',
          service: 'rig-rack',
          attributes: {},
        });
      }
    }
  }
  return traffic;
}
