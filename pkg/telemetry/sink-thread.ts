/**
 * The mixer's telemetry sink in a thread of its own (sink-worker.ts): the store's writer, its bus
 * connection and the durable consumer live there, so the thread that runs gears (and, in an all-in-one
 * node, the payment switch) never spends its time turning batches into DuckDB chunks or waiting on a
 * commit. A profile of the example switch put that work at 3-4 % of the rig's main thread, in blocks of
 * several milliseconds per flush that every request in flight had to wait out.
 * `startSinkThread` resolves once the store is open and the consumer runs, and rejects with the thread's
 * own error (a locked DuckDB file, NATS unreachable) when it cannot start. If the thread dies later, the
 * sink is restarted after a pause (telemetry waits in its durable stream meanwhile, nothing is lost) and
 * the failure is logged. The thread's log lines arrive here already masked and go to the node's logger.
 */
import type { Worker } from 'node:worker_threads';
import type { BusConnectionOptions } from '../bus/index.ts';
import { RigError } from '../errors/index.ts';
import type { Logger, LogLevel } from '../log/index.ts';
import { startModuleWorker } from '../threads/module-worker.ts';
import { emptySinkStats, type SinkOptions, type SinkStats } from './sink.ts';
import type { PlainError, SinkParentMessage, SinkWorkerInput, SinkWorkerMessage } from './sink-worker.ts';
import type { WriterOptions } from './store/writer.ts';

const SINK_WORKER = new URL('./sink-worker.ts', import.meta.url);
const THREAD_NAME = 'telemetry-sink';

export interface SinkThreadOptions {
  /** The thread opens a connection of its own with these (credentials included). */
  bus: Omit<BusConnectionOptions, 'logger'>;
  writer: WriterOptions;
  sink?: Omit<SinkOptions, 'bus' | 'writer' | 'log'>;
  logger: Logger;
  /** First pause before restarting a sink thread that died; doubles up to 30 s. Default 1 s. */
  restartDelayMs?: number;
  /** How long `stop` waits for the thread to commit and end before terminating it. Default 30 s. */
  stopTimeoutMs?: number;
  /** The thread's module: sink-worker.ts; tests substitute one that speaks the same messages. */
  module?: URL;
}

export interface SinkThread {
  /** Stops consuming (in-flight batches are committed and acked), closes the store, ends the thread. */
  stop(): Promise<SinkStats>;
}

const MAX_RESTART_DELAY_MS = 30_000;

export async function startSinkThread(options: SinkThreadOptions): Promise<SinkThread> {
  const input: SinkWorkerInput = {
    bus: options.bus,
    writer: options.writer,
    sink: options.sink ?? {},
    logLevel: options.logger.level as LogLevel,
  };
  const log = options.logger.child({ thread: THREAD_NAME });
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const module = options.module ?? SINK_WORKER;
  const firstDelay = options.restartDelayMs ?? 1_000;
  // The running thread; undefined between its death and the restart.
  let current: RunningThread | undefined = await startOnce(module, input, log, stopTimeoutMs);
  let restarting: Promise<RunningThread | undefined> | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<SinkStats> | undefined;

  const restartAfter = (reason: string, delay: number) => {
    log.error({ reason, restartInMs: delay }, 'telemetry sink thread died; restarting it (telemetry waits in its stream meanwhile)');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      restarting = startOnce(module, input, log, stopTimeoutMs).then(
        (next) => {
          restarting = undefined;
          current = next;
          if (stopping) return next; // stop() is waiting for it and stops it
          log.info({}, 'telemetry sink thread restarted');
          watch(next, firstDelay);
          return next;
        },
        (error: unknown) => {
          restarting = undefined;
          if (!stopping) restartAfter(error instanceof Error ? error.message : String(error), Math.min(delay * 2, MAX_RESTART_DELAY_MS));
          return undefined;
        },
      );
    }, delay);
    restartTimer.unref();
  };
  const watch = (thread: RunningThread, delay: number) => {
    void thread.died.then((reason) => {
      current = undefined;
      if (!stopping) restartAfter(reason, delay);
    });
  };
  watch(current, firstDelay);

  return {
    stop() {
      stopping ??= (async () => {
        if (restartTimer) clearTimeout(restartTimer);
        const thread = current ?? (await restarting);
        return thread ? thread.stop() : emptySinkStats();
      })();
      return stopping;
    },
  };
}

interface RunningThread {
  /** Resolves with a reason when the thread ends without having been asked to stop. */
  died: Promise<string>;
  stop(): Promise<SinkStats>;
}

/**
 * One sink thread: resolves once it reported ready, rejects with its start-up error. `stop` waits for
 * the thread to commit and ack what it holds, and terminates it after `stopTimeoutMs` (batches it had
 * not acked are redelivered to the next sink).
 */
function startOnce(module: URL, input: SinkWorkerInput, log: Logger, stopTimeoutMs: number): Promise<RunningThread> {
  const worker: Worker = startModuleWorker(module, input, THREAD_NAME);
  return new Promise<RunningThread>((resolve, reject) => {
    let phase: 'starting' | 'running' | 'stopping' = 'starting';
    let settleStop: { resolve: (stats: SinkStats) => void; reject: (error: Error) => void } | undefined;
    let died!: (reason: string) => void;
    const diedPromise = new Promise<string>((resolveDied) => {
      died = resolveDied;
    });
    const fail = (error: RigError) => {
      if (phase === 'starting') reject(error);
      else if (phase === 'stopping') settleStop?.reject(error);
      else log.error({ err: error.message }, 'telemetry sink thread failed');
    };
    const stop = () =>
      new Promise<SinkStats>((resolveStop, rejectStop) => {
        phase = 'stopping';
        const timer = setTimeout(() => {
          void worker.terminate();
          rejectStop(new RigError('TELEMETRY_SINK_THREAD', `telemetry sink thread did not stop within ${stopTimeoutMs} ms; terminated it (unacked batches are redelivered)`));
        }, stopTimeoutMs);
        settleStop = {
          resolve: (stats) => {
            clearTimeout(timer);
            resolveStop(stats);
          },
          reject: (error) => {
            clearTimeout(timer);
            rejectStop(error);
          },
        };
        worker.postMessage({ kind: 'stop' } satisfies SinkParentMessage);
      });

    worker.on('message', (message: SinkWorkerMessage) => {
      switch (message.kind) {
        case 'log':
          relayLogLine(log, message.line);
          return;
        case 'ready':
          phase = 'running';
          resolve({ died: diedPromise, stop });
          return;
        case 'stopped':
          settleStop?.resolve(message.stats);
          return;
        case 'failed':
          fail(rigErrorFrom(message.error));
          return;
      }
    });
    worker.on('error', (error) => fail(new RigError('TELEMETRY_SINK_THREAD', `telemetry sink thread crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      const reason = `thread exited with code ${code}`;
      if (phase === 'running') died(reason);
      // After `stopped` this rejection comes too late to count, as it should.
      else fail(new RigError('TELEMETRY_SINK_THREAD', `telemetry sink thread ended (${reason}) before it ${phase === 'starting' ? 'was ready' : 'stopped cleanly'}`));
    });
  });
}

function rigErrorFrom(error: PlainError): RigError {
  return new RigError(error.code ?? 'TELEMETRY_SINK_THREAD', error.message, {
    ...(error.where ? { where: error.where } : {}),
    ...(error.hint ? { hint: error.hint } : {}),
  });
}

/** Fields pino adds on its own; the node's logger adds its own again. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** Re-log one finished line of the thread's logger through the node's logger (same level and fields). */
function relayLogLine(log: Logger, line: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    log.warn({ line: line.slice(0, 500) }, 'unreadable log line from the telemetry sink thread');
    return;
  }
  const level = typeof parsed.level === 'string' && LEVELS.has(parsed.level) ? (parsed.level as LogLevel) : 'info';
  const fields = Object.fromEntries(Object.entries(parsed).filter(([key]) => !OWN_FIELDS.has(key)));
  log[level](fields, typeof parsed.msg === 'string' ? parsed.msg : '');
}
