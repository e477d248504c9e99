/**
 * Structured logging for every fluxrig process: pino JSON lines (or pino-pretty for people) on stderr
 * and, for long-running processes, a size/time-rotated file (pino-roll).
 *
 * Every line is masked twice before it reaches any stream: the merging object is walked by `maskObject`
 * (secret keys, PANs held in fields), then the finished line passes `maskText` (PANs, track data and
 * secrets in messages, error messages and stacks, child-logger bindings). This module must never let an
 * unmasked line out and never read config files: callers map their config to `LoggerOptions`.
 */
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import pinoRoll from 'pino-roll';
import { maskObject, maskText } from '../mask/index.ts';
import { traceForced } from './env.ts';

export { isSecretKey, luhnValid, maskObject, maskPan, maskText, SECRET_MASK } from '../mask/index.ts';
export { envFlag, telemetryDisabled, traceForced } from './env.ts';

export type Logger = pino.Logger;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LogFileOptions {
  /** The active log file; rotated files get `.N` before the extension (`rig.3.log`). */
  path: string;
  /** Rotate when the file reaches this many bytes; 0 = no size rotation. */
  rotateBytes: number;
  /** Rotate at the start of each hour or day as well; 'off' = only by size. */
  rotateInterval: 'hourly' | 'daily' | 'off';
  /** Rotated files kept besides the active one; older ones are deleted. */
  maxFiles: number;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Write to stderr (default true). */
  stderr?: boolean;
  /** Also write to a rotated file (only `createLogger`, which is async because the file is opened). */
  file?: LogFileOptions;
  /** Bound to every line, e.g. `{ role: 'rack', node: 'n1' }`. */
  bindings?: Record<string, unknown>;
  /** Where FLUXRIG_TRACE is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Anything with a string `write`: a stream, a test sink. */
export interface LineSink {
  write(line: string): unknown;
}

const closers = new WeakMap<Logger, () => Promise<void>>();
/** Per logger, where finished (masked) lines are also sent once `tapLogger` attaches a target. */
const taps = new WeakMap<Logger, { write?: (line: string) => void }>();

/**
 * Also hand every finished, masked line of `logger` (created by `createLogger`) to `write`, e.g. to
 * forward logs into OpenTelemetry once telemetry is up; `undefined` detaches.
 */
export function tapLogger(logger: Logger, write: ((line: string) => void) | undefined): void {
  const tap = taps.get(logger);
  if (!tap) throw new Error('tapLogger: this logger was not made by createLogger');
  tap.write = write;
}

function effectiveLevel(options: LoggerOptions): LogLevel {
  return traceForced(options.env ?? process.env) ? 'trace' : (options.level ?? 'info');
}

function pinoOptions(options: LoggerOptions): pino.LoggerOptions {
  return {
    level: effectiveLevel(options),
    base: { pid: process.pid, ...options.bindings },
    // ISO time: readable, and no 13-digit epoch number for the PAN detector to trip over.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => maskObject(object),
      bindings: (bindings) => maskObject(bindings),
    },
    hooks: { streamWrite: maskText },
  };
}

function stderrStream(format: LogFormat): pino.DestinationStream {
  if (format === 'pretty') {
    return pinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true });
  }
  return pino.destination({ fd: 2, sync: true });
}

/** pino-roll counts sizes in k/m/g; bytes round up to whole kilobytes. */
function rollSize(bytes: number): string | undefined {
  return bytes > 0 ? `${Math.ceil(bytes / 1024)}k` : undefined;
}

/**
 * A logger writing to stderr and, when `file` is given, to a rotated file. Call `closeLogger` before the
 * process exits so the file is flushed.
 */
export async function createLogger(options: LoggerOptions = {}): Promise<Logger> {
  const streams: pino.StreamEntry[] = [];
  if (options.stderr !== false) streams.push({ level: 'trace', stream: stderrStream(options.format ?? 'json') });
  let file: Awaited<ReturnType<typeof pinoRoll>> | undefined;
  if (options.file) {
    const { path, rotateBytes, rotateInterval, maxFiles } = options.file;
    file = await pinoRoll({
      file: path,
      size: rollSize(rotateBytes),
      frequency: rotateInterval === 'off' ? undefined : rotateInterval,
      limit: { count: maxFiles },
      mkdir: true,
    });
    streams.push({ level: 'trace', stream: file });
  }
  const tap: { write?: (line: string) => void } = {};
  streams.push({ level: 'trace', stream: { write: (line: string) => tap.write?.(line) } });
  const logger = pino(pinoOptions(options), pino.multistream(streams));
  taps.set(logger, tap);
  const fileStream = file;
  closers.set(logger, async () => {
    if (!fileStream || fileStream.destroyed) return;
    await new Promise<void>((resolve) => {
      fileStream.once('close', () => resolve());
      fileStream.end();
    });
  });
  return logger;
}

/** A synchronous logger on any line sink (tests, embedding); same levels, format and masking. */
export function createStreamLogger(sink: LineSink, options: Omit<LoggerOptions, 'file' | 'stderr'> = {}): Logger {
  return pino(pinoOptions(options), { write: (line: string) => sink.write(line) });
}

/** A logger that discards everything (unit tests of code that takes a logger). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Flushes and closes the logger's file, if any. Safe to call more than once. */
export async function closeLogger(logger: Logger): Promise<void> {
  logger.flush();
  const close = closers.get(logger);
  closers.delete(logger);
  if (close) await close();
}
