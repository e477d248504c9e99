/**
 * Building envelopes for gears: a fresh id and time, the gear as source, and the parent's trace,
 * key, subject and headers carried forward so one payment stays one trace and one correlation.
 * The host (rack, durable-flow activity, test harness) supplies the id generator.
 */
import type { Envelope } from '../wire/envelope.ts';

export type EnvelopeInit = Partial<Envelope> & { parent?: Envelope };

export interface EnvelopeFactoryOptions {
  nextId: () => string;
  scenario: string;
  gearId: string;
  /** e.g. `rack/r1`; the gear id is appended. */
  sourcePrefix: string;
  now?: () => Date;
}

/** The ISO time of the current millisecond, made once per millisecond: a busy gear makes many envelopes in one. */
let isoMillisecond = -1;
let isoText = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillisecond) {
    isoMillisecond = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

export function envelopeFactory(options: EnvelopeFactoryOptions): (data: unknown, init?: EnvelopeInit) => Envelope {
  const source = `${options.sourcePrefix}/gear/${options.gearId}`;
  const injectedNow = options.now;
  const timeText = injectedNow ? () => injectedNow().toISOString() : isoNow;
  // Called for every message a gear makes: fields are read from `init` directly (no rest copy of it).
  return (data, init = {}) => {
    const parent = init.parent;
    const envelope: Envelope = {
      id: options.nextId(),
      type: init.type ?? parent?.type ?? 'fluxrig.message',
      source,
      time: timeText(),
      data,
      scenario: options.scenario,
      gear: options.gearId,
    };
    const subject = init.subject ?? parent?.subject;
    if (subject !== undefined) envelope.subject = subject;
    const key = init.key ?? parent?.key;
    if (key !== undefined) envelope.key = key;
    const traceparent = init.traceparent ?? parent?.traceparent;
    if (traceparent !== undefined) envelope.traceparent = traceparent;
    envelope.datacontenttype = init.datacontenttype ?? (data instanceof Uint8Array ? 'application/octet-stream' : 'application/cbor');
    if (parent?.headers || init.headers) envelope.headers = { ...parent?.headers, ...init.headers };
    if (init.port !== undefined) envelope.port = init.port;
    return envelope;
  };
}
