/**
 * What nats.ts and temporal.ts share: the handle every supervised engine returns, the readiness loop
 * (poll a health check until it passes, fail fast if the engine exits first) and the error reported
 * when an engine does not come up, which quotes the end of its log. Never retries on its own; callers
 * decide (they retry only when they picked the ports themselves and the log says a port was taken).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { RigError } from '../errors/index.ts';
import type { ExitInfo, SupervisedProcess } from './child.ts';

/** A running engine. Engine-specific handles add their addresses. */
export interface EngineHandle {
  /** 'nats' or 'temporal'. */
  readonly engine: string;
  /** Pid of the engine process. */
  readonly pid: number;
  readonly dataDir: string;
  /** stdout + stderr of the engine (appended across restarts). */
  readonly logFile: string;
  /** Resolves when the engine has exited (for whatever reason). */
  readonly exited: Promise<ExitInfo>;
  readonly running: boolean;
  /** SIGTERM, wait for a clean exit (SIGKILL after the grace period). Safe to call twice. */
  stop(): Promise<ExitInfo>;
  /** Let the Node process exit while the engine runs; the engine stops when the process ends. */
  unref(): void;
}

/** The handle for `proc`, plus the engine-specific fields in `extra` (plain data, no getters). */
export function engineHandle<Extra extends object>(
  base: { engine: string; dataDir: string; logFile: string },
  proc: SupervisedProcess,
  extra: Extra,
): EngineHandle & Extra {
  return {
    ...extra,
    engine: base.engine,
    pid: proc.pid,
    dataDir: base.dataDir,
    logFile: base.logFile,
    exited: proc.exited,
    get running() {
      return proc.running;
    },
    stop: () => proc.stop(),
    unref: () => proc.unref(),
  };
}

export interface ReadinessOptions {
  engine: string;
  logFile: string;
  /** Size of the log file before this start, so the error quotes only this run's lines. */
  logOffset: number;
  timeoutMs: number;
  intervalMs: number;
  /** Resolves true once the engine serves; false (or a throw) means "not yet". */
  check: () => Promise<boolean>;
}

/** Polls `check` until it passes. On exit or timeout: stops the engine and throws ENGINE_NOT_READY. */
export async function waitUntilReady(proc: SupervisedProcess, options: ReadinessOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastProblem = 'no answer yet';
  while (proc.running) {
    try {
      if (await options.check()) return;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw notReady(options, `not ready after ${options.timeoutMs} ms (last check: ${lastProblem})`);
    }
    await sleep(options.intervalMs);
  }
  const exit = await proc.exited;
  throw notReady(options, `exited during start-up (code ${exit.code}, signal ${exit.signal})`);
}

function notReady(options: ReadinessOptions, what: string): RigError {
  const lines = readLogSince(options.logFile, options.logOffset).split('\n');
  const tail = lines.slice(-15).join('\n').trim();
  // Searched in the whole run's log, not the tail: the Temporal dev server logs the bind failure first
  // and then panics with a stack trace far longer than the tail.
  const conflict = lines.find((line) => /address already in use/i.test(line))?.trim();
  const quoted = conflict !== undefined && !tail.includes(conflict) ? `${conflict}\n…\n${tail}` : tail;
  return new RigError('ENGINE_NOT_READY', `${options.engine} ${what}${quoted ? `\n${quoted}` : ''}`, {
    where: options.logFile,
    hint: `read ${options.logFile}; a port conflict or a locked data directory are the usual causes`,
    details: { engine: options.engine, addressInUse: conflict !== undefined },
  });
}

/** Current size of a file, 0 when it does not exist yet. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // Not created yet: nothing was logged before this start.
    return 0;
  }
}

/** The text appended to `path` after byte `offset` (at most the last 64 KiB of it). */
export function readLogSince(path: string, offset: number): string {
  const end = fileSize(path);
  const start = Math.max(offset, end - 65_536);
  if (end <= start) return '';
  const buffer = Buffer.alloc(end - start);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** True when a start failed only because a port we picked was taken meanwhile (worth one more try). */
export function isPortRace(error: unknown): boolean {
  return error instanceof RigError && error.code === 'ENGINE_NOT_READY' && error.details?.addressInUse === true;
}
