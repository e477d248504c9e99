/**
 * The process-wide switches fluxrig reads straight from the environment, before any config is loaded:
 * `FLUXRIG_TRACE=1` (log everything at trace level) and `FLUXRIG_DISABLE_TELEMETRY=1` (no telemetry of
 * any kind leaves the process). Pure functions of the env they are given; never read config files.
 */

const FALSY = new Set(['', '0', 'false', 'no', 'off']);

/** A flag env var is on unless it is unset or one of '', 0, false, no, off (case-insensitive). */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = env[name];
  return value !== undefined && !FALSY.has(value.trim().toLowerCase());
}

/** `FLUXRIG_TRACE=1`: forces the trace log level whatever the config or flags say. */
export function traceForced(env: NodeJS.ProcessEnv = process.env): boolean {
  return envFlag(env, 'FLUXRIG_TRACE');
}

/** `FLUXRIG_DISABLE_TELEMETRY=1`: every telemetry exporter (bus, OTLP, sink) must stay off. */
export function telemetryDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return envFlag(env, 'FLUXRIG_DISABLE_TELEMETRY');
}
