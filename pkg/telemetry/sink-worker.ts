/**
 * The telemetry sink's own thread (started by sink-thread.ts): it opens the store (TelemetryWriter), its
 * own bus connection and the TelemetrySink, so decoding batches, building DuckDB chunks, commits and
 * housekeeping never run on the thread that carries the gears. Messages from the parent: `stop`. To the
 * parent: `ready`, `log` (finished, masked log lines), `stopped` (with the sink's stats) and `failed`
 * (an error as plain data, when opening or stopping did not work). It exits only after `stop`, or when
 * start-up failed.
 */
import { parentPort } from 'node:worker_threads';
import { type Bus, type BusConnectionOptions, openBus } from '../bus/index.ts';
import { isRigError } from '../errors/index.ts';
import { createStreamLogger, type LogLevel } from '../log/index.ts';
import { moduleWorkerInput } from '../threads/module-worker.ts';
import { type SinkOptions, type SinkStats, TelemetrySink } from './sink.ts';
import { TelemetryWriter, type WriterOptions } from './store/writer.ts';

/** What the parent hands the thread: plain data only (it is structured-cloned). */
export interface SinkWorkerInput {
  bus: Omit<BusConnectionOptions, 'logger'>;
  writer: WriterOptions;
  sink: Omit<SinkOptions, 'bus' | 'writer' | 'log'>;
  logLevel: LogLevel;
}

/** An error crossing the thread boundary: enough to rebuild a RigError on the other side. */
export interface PlainError {
  message: string;
  code?: string;
  where?: string;
  hint?: string;
}

export type SinkWorkerMessage =
  | { kind: 'ready' }
  | { kind: 'log'; line: string }
  | { kind: 'stopped'; stats: SinkStats }
  | { kind: 'failed'; error: PlainError };

export type SinkParentMessage = { kind: 'stop' };

export function plainError(error: unknown): PlainError {
  if (isRigError(error)) {
    return { message: error.message, code: error.code, ...(error.where ? { where: error.where } : {}), ...(error.hint ? { hint: error.hint } : {}) };
  }
  return { message: error instanceof Error ? error.message : String(error) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('sink-worker.ts runs only as a worker thread (sink-thread.ts starts it)');
  const input = moduleWorkerInput<SinkWorkerInput>();
  const send = (message: SinkWorkerMessage) => port.postMessage(message);
  const log = createStreamLogger({ write: (line: string) => send({ kind: 'log', line }) }, { level: input.logLevel });

  let bus: Bus | undefined;
  let writer: TelemetryWriter | undefined;
  let sink: TelemetrySink | undefined;
  const close = async () => {
    await sink?.stop();
    await writer?.close();
    await bus?.close();
  };
  try {
    writer = await TelemetryWriter.open(input.writer);
    bus = await openBus({ ...input.bus, logger: log });
    sink = await TelemetrySink.start({ ...input.sink, bus, writer, log });
  } catch (error) {
    await close().catch(() => undefined);
    send({ kind: 'failed', error: plainError(error) });
    port.close(); // nothing else keeps the thread alive: it ends
    return;
  }
  const running = sink;
  port.on('message', (message: SinkParentMessage) => {
    if (message.kind !== 'stop') return;
    close().then(
      () => {
        send({ kind: 'stopped', stats: running.stats });
        port.close();
      },
      (error: unknown) => {
        send({ kind: 'failed', error: plainError(error) });
        port.close();
      },
    );
  });
  send({ kind: 'ready' });
}

// No top-level await: the single executable bundles this module as a CommonJS script.
void main();
