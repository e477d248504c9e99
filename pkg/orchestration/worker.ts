/**
 * A rack's Temporal worker: polls the rack's task queue (`fluxrig-<rack>`), runs durable-flow workflows
 * from the prebuilt bundle (bundle.ts) and the generic gear activity over the given catalogue.
 *
 * Lifecycle: `createFlowWorker()` connects and registers; `run()` polls until `shutdown()`, which stops
 * polling, lets in-flight activities finish within `shutdownGraceTime`, then closes the connection.
 * The caller (rack, test) owns process signals and calls `shutdown()`; note that Temporal's Runtime also
 * installs SIGINT/SIGTERM handlers that shut workers down gracefully. This module never starts flows.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { LogLevel, WorkerOptions } from '@temporalio/worker';
import { RigError } from '../errors/index.ts';
import type { GearDescriptor, GearLogger } from '../gear/descriptor.ts';
import { createGearActivities } from './activities.ts';
import { dataConverter, ensureWorkflowBundle } from './bundle.ts';
import { taskQueueFor } from './settings.ts';
import type { TemporalSettings } from './settings.ts';

export interface FlowWorkerOptions {
  settings: TemporalSettings;
  /** Rack name: selects the task queue `<prefix>-<rack>` (prefix from settings, default `fluxrig`). */
  rack: string;
  /** Gears this worker can run as steps (the product passes `gearCatalogue`; tests pass their own). */
  catalogue: readonly GearDescriptor[];
  /** Prebuilt bundle; default `ensureWorkflowBundle()`. */
  bundlePath?: string;
  /** Time in-flight activities get to finish on shutdown (default 10s). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  maxConcurrentActivities?: number;
  nextId?: () => string;
  log?: GearLogger;
  /** Worker identity shown in Temporal (default `<rack>@<pid>`). */
  identity?: string;
}

export interface FlowWorker {
  readonly taskQueue: string;
  readonly worker: Worker;
  /** Poll until shutdown; rejects if the worker fails. Call once. */
  run(): Promise<void>;
  /** Graceful stop: stop polling, drain in-flight work, close the connection. Idempotent. */
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Install Temporal's process-wide Runtime once, before the first worker: its own log lines go through
 * at `level` (default WARN, FLUXRIG_TEMPORAL_LOG_LEVEL overrides) instead of INFO chatter on stderr.
 * Must run before any other Temporal worker/connection is created in the process.
 */
export function installFlowRuntime(level: LogLevel = (process.env.FLUXRIG_TEMPORAL_LOG_LEVEL as LogLevel) || 'WARN'): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger(level) });
  runtimeInstalled = true;
}

export async function createFlowWorker(options: FlowWorkerOptions): Promise<FlowWorker> {
  installFlowRuntime();
  const taskQueue = taskQueueFor(options.rack, options.settings.taskQueuePrefix);
  const codePath = options.bundlePath ?? (await ensureWorkflowBundle()).codePath;
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ address: options.settings.address });
  } catch (err) {
    throw new RigError('ORCH_CONNECT', `worker cannot reach Temporal at ${options.settings.address}: ${(err as Error).message}`, {
      where: 'temporal.address',
      cause: err,
    });
  }
  const activities = createGearActivities({
    catalogue: options.catalogue,
    sourcePrefix: `rack/${options.rack}`,
    ...(options.nextId === undefined ? {} : { nextId: options.nextId }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: options.settings.namespace,
      taskQueue,
      workflowBundle: { codePath },
      dataConverter,
      activities,
      identity: options.identity ?? `${options.rack}@${process.pid}`,
      shutdownGraceTime: options.shutdownGraceTime ?? '10s',
      ...(options.maxConcurrentActivities === undefined
        ? {}
        : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities }),
    });
  } catch (err) {
    await connection.close();
    throw err;
  }

  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  return {
    taskQueue,
    worker,
    run() {
      if (running !== undefined) throw new RigError('ORCH_WORKER_RUNNING', `worker for ${taskQueue} is already running`);
      running = worker.run().finally(() => connection.close());
      return running;
    },
    shutdown() {
      stopping ??= (async () => {
        if (running === undefined) {
          await connection.close();
          return;
        }
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      })();
      return stopping;
    },
  };
}
