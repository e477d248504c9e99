/**
 * pkg/supervise: start and stop the engines fluxrig runs on (nats-server with JetStream, the Temporal dev
 * server) as child processes of the current process. Each start waits for a real health check, logs to the
 * data dir, and the engine dies with its parent (see child.ts). This package never installs engines
 * (deploy/engines/install does) and never talks to engines it did not start.
 */
export { enginesBinDir, resolveEngineBinary, type EngineBinary } from './binaries.ts';
export type { ExitInfo } from './child.ts';
export type { EngineHandle } from './engine.ts';
export { startNats, type NatsHandle, type NatsOptions } from './nats.ts';
export { freePort } from './ports.ts';
export { startTemporal, type TemporalHandle, type TemporalOptions } from './temporal.ts';
