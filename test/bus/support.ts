/**
 * Shared pieces of the pkg/bus integration tests: a connection to the run's nats-server (useNats), a
 * per-test namespace so parallel test files never touch each other's streams, a log sink tests can read,
 * envelope factories and a poll-until helper. Real server, no mocks.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BusConnection, connectBus } from '../../pkg/bus/connection.ts';
import { ensureStream, type StreamSpec } from '../../pkg/bus/streams.ts';
import { createStreamLogger, type Logger } from '../../pkg/log/index.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

/** A logger whose JSON lines tests can search. */
export function memoryLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = createStreamLogger({ write: (line) => lines.push(line) }, { level: 'debug' });
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A random lowercase token, unique per call: namespaces streams, subjects and consumers. */
export function uniqueToken(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

export async function connect(url: string, logger: Logger = memoryLogger().logger): Promise<BusConnection> {
  return connectBus({ servers: url, name: `test-${uniqueToken()}`, logger, reconnectTimeWaitMs: 100 });
}

/** A small stream spec under a private subject root, so tests never collide on the shared server. */
export function testStreamSpec(root: string, family: string): StreamSpec {
  return {
    name: `${root}_${family}`.toUpperCase(),
    subjects: [`${root}.${family}.>`],
    description: `test stream ${root} ${family}`,
    maxAgeMs: 10 * 60_000,
    maxBytes: 8 * 1024 * 1024,
    maxMsgs: 100_000,
    maxMsgSize: 1024 * 1024,
    duplicateWindowMs: 60_000,
    storage: 'file',
    replicas: 1,
  };
}

/** A data stream and a DLQ stream under a fresh root; returns their specs and subject helpers. */
export async function testStreams(bus: BusConnection) {
  const root = uniqueToken();
  const data = testStreamSpec(root, 'data');
  const dlq = testStreamSpec(root, 'dlq');
  await ensureStream(bus, data);
  await ensureStream(bus, dlq);
  return {
    root,
    data,
    dlq,
    dataSubject: (wire: string) => `${root}.data.${wire}`,
    dlqSubject: (consumer: string) => `${root}.dlq.${consumer}`,
  };
}

let counter = 0;

export function envelope(data: unknown, init: Partial<Envelope> = {}): Envelope {
  counter++;
  return {
    id: `${Date.now()}${String(counter).padStart(6, '0')}`,
    type: 'fluxrig.test',
    source: 'test/bus',
    time: new Date().toISOString(),
    data,
    ...init,
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Every message stored in `stream`, in order (headers and raw data). */
export async function storedMessages(bus: BusConnection, stream: string) {
  const info = await bus.jsm.streams.info(stream);
  const messages = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const stored = await bus.jsm.streams.getMessage(stream, { seq });
    if (stored) messages.push(stored);
  }
  return messages;
}
