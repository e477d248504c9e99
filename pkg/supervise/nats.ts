/**
 * Starts a local nats-server with JetStream as a supervised child process: client and monitoring ports on
 * loopback (free ones when not given), JetStream state under `<dataDir>/jetstream`, the server's log in
 * `<dataDir>/nats.log`. Ready means the monitoring endpoint `/healthz?js-enabled-only=true` answers 200.
 * It must never start a server without JetStream or leave one running when start-up fails.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveEngineBinary } from './binaries.ts';
import { superviseProcess } from './child.ts';
import { type EngineHandle, engineHandle, fileSize, isPortRace, waitUntilReady } from './engine.ts';
import { portOrFree } from './ports.ts';

export interface NatsOptions {
  /** JetStream store and log live here; reuse the same directory to keep streams across restarts. */
  dataDir: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Client port; 0 or absent = a free port. */
  port?: number;
  /** HTTP monitoring port (used for the health check); 0 or absent = a free port. */
  monitorPort?: number;
  /** Server name (also names the JetStream node); default `fluxrig`. */
  serverName?: string;
  /** nats-server executable; default: the one `make engines` installed (see binaries.ts). */
  binary?: string;
  /** Default 20 s. */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping; default 10 s. */
  graceMs?: number;
  /** Delete dataDir once the server has exited (scratch servers of tests). */
  ephemeral?: boolean;
  /** Further nats-server flags, appended as given. */
  extraArgs?: readonly string[];
}

export interface NatsHandle extends EngineHandle {
  /** e.g. nats://127.0.0.1:4222 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly monitorPort: number;
  /** e.g. http://127.0.0.1:8222 */
  readonly monitorUrl: string;
}

const PORT_ATTEMPTS = 3;

export async function startNats(options: NatsOptions): Promise<NatsHandle> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const binary = options.binary ?? resolveEngineBinary('nats-server');
  const logFile = join(dataDir, 'nats.log');
  const storeDir = join(dataDir, 'jetstream');
  const portsArePicked = !options.port || !options.monitorPort;

  for (let attempt = 1; ; attempt++) {
    mkdirSync(storeDir, { recursive: true });
    const port = await portOrFree(options.port, host);
    const monitorPort = await portOrFree(options.monitorPort, host);
    const args = [
      '--jetstream',
      '--store_dir', storeDir,
      '--addr', host,
      '--port', String(port),
      '--http_port', String(monitorPort),
      '--server_name', options.serverName ?? 'fluxrig',
      ...(options.extraArgs ?? []),
    ];
    const logOffset = fileSize(logFile);
    const proc = await superviseProcess({
      binary,
      args,
      logFile,
      cwd: dataDir,
      graceMs: options.graceMs,
      removeOnExit: options.ephemeral ? dataDir : undefined,
    });
    const monitorUrl = `http://${host}:${monitorPort}`;
    try {
      await waitUntilReady(proc, {
        engine: 'nats-server',
        logFile,
        logOffset,
        timeoutMs: options.readyTimeoutMs ?? 20_000,
        intervalMs: 50,
        check: async () => {
          const response = await fetch(`${monitorUrl}/healthz?js-enabled-only=true`, {
            signal: AbortSignal.timeout(1_000),
          });
          return response.status === 200;
        },
      });
    } catch (error) {
      if (portsArePicked && attempt < PORT_ATTEMPTS && isPortRace(error)) continue;
      throw error;
    }
    return engineHandle({ engine: 'nats', dataDir, logFile }, proc, {
      url: `nats://${host}:${port}`,
      host,
      port,
      monitorPort,
      monitorUrl,
    });
  }
}
