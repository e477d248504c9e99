/**
 * An in-process host for one gear, for unit tests of gear logic: feeds messages into input ports and
 * records what comes out of each output port. No NATS, no Temporal. Integration proofs run gears on a
 * real rack instead; this is the "mock" tier the standards allow for logic.
 */
import type { Envelope } from '../wire/envelope.ts';
import type { GearContext, GearDescriptor, GearInstance, GearLogger } from './descriptor.ts';
import { envelopeFactory } from './envelopes.ts';

export interface LoggedLine {
  level: string;
  entry: Record<string, unknown> | string;
  message?: string;
}

export interface GearHarness {
  instance: GearInstance;
  context: GearContext;
  /** Everything emitted so far, by output port. */
  emitted: Map<string, Envelope[]>;
  logs: LoggedLine[];
  /** Deliver `data` (or a whole envelope) to an input port; rejects if the gear's handle throws. */
  send(port: string, data: unknown, init?: Partial<Envelope>): Promise<Envelope>;
  /** Emitted messages on `port` (empty array when none). */
  out(port: string): Envelope[];
  /** Resolves once `port` has at least `count` messages, or rejects after `timeoutMs`. */
  waitFor(port: string, count: number, timeoutMs?: number): Promise<Envelope[]>;
  stop(): Promise<void>;
}

export function gearHarness<Config>(descriptor: GearDescriptor<Config>, rawConfig: unknown, options: { scenario?: string; gearId?: string } = {}): GearHarness {
  const config = descriptor.config.parse(rawConfig);
  const emitted = new Map<string, Envelope[]>();
  const logs: LoggedLine[] = [];
  const waiters = new Set<() => void>();
  const abort = new AbortController();
  let counter = 0;
  const makeEnvelope = envelopeFactory({
    nextId: () => String(++counter),
    scenario: options.scenario ?? 'test',
    gearId: options.gearId ?? descriptor.type,
    sourcePrefix: 'harness',
  });
  const logAt =
    (level: string) =>
    (entry: Record<string, unknown> | string, message?: string): void => {
      logs.push(message === undefined ? { level, entry } : { level, entry, message });
    };
  const log: GearLogger = { trace: logAt('trace'), debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
  const context: GearContext = {
    scenario: options.scenario ?? 'test',
    gearId: options.gearId ?? descriptor.type,
    log,
    signal: abort.signal,
    envelope: makeEnvelope,
    // Every port is collected here, so every port counts as wired.
    wired: () => true,
    async emit(port, message) {
      const list = emitted.get(port);
      if (list) list.push(message);
      else emitted.set(port, [message]);
      for (const wake of waiters) wake();
    },
  };
  const instance = descriptor.create(config, context);
  const out = (port: string) => emitted.get(port) ?? [];
  return {
    instance,
    context,
    emitted,
    logs,
    out,
    async send(port, data, init = {}) {
      if (!instance.handle) throw new Error(`${descriptor.type} has no input ports to send to`);
      const envelope = { ...makeEnvelope(data), ...init };
      await instance.handle(port, envelope);
      return envelope;
    },
    waitFor(port, count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (out(port).length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(out(port));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} message(s) on ${port} (have ${out(port).length})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      abort.abort();
      await instance.stop?.();
    },
  };
}
