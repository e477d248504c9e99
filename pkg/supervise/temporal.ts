/**
 * Starts a local Temporal dev server (`temporal server start-dev --headless`) as a supervised child
 * process: frontend gRPC on loopback (a free port when not given), state in `<dataDir>/temporal.db`
 * (SQLite, so workflows and namespaces survive restarts), its log in `<dataDir>/temporal.log`.
 * Ready means the gRPC port accepts connections and the namespace can be described through it.
 * It must never leave a server running when start-up fails, and never talk to any other server.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { resolveEngineBinary } from './binaries.ts';
import { superviseProcess } from './child.ts';
import { type EngineHandle, engineHandle, fileSize, isPortRace, waitUntilReady } from './engine.ts';
import { canConnect, portOrFree } from './ports.ts';

const execFileAsync = promisify(execFile);

export interface TemporalOptions {
  /** SQLite state and the log live here; reuse the same directory to keep state across restarts. */
  dataDir: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Frontend gRPC port; 0 or absent = a free port. */
  port?: number;
  /** Web UI port; absent = no UI (headless), 0 = a free port. */
  uiPort?: number;
  /** HTTP API port; 0 or absent = a free port. */
  httpPort?: number;
  /** Prometheus /metrics port; 0 or absent = a free port. */
  metricsPort?: number;
  /** Namespace the caller works in; created at start-up (`default` always exists). Default `default`. */
  namespace?: string;
  /** `--dynamic-config-value` pairs, values JSON-encoded for you. */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** `--search-attribute` pairs, e.g. { FluxrigScenario: 'Keyword' }. */
  searchAttributes?: Readonly<Record<string, string>>;
  /** Server log level; default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** temporal executable; default: the one `make engines` installed (see binaries.ts). */
  binary?: string;
  /** Default 60 s (the first start creates the SQLite schema). */
  readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping; default 10 s. */
  graceMs?: number;
  /** Delete dataDir once the server has exited (scratch servers of tests). */
  ephemeral?: boolean;
  /** Further `server start-dev` flags, appended as given. */
  extraArgs?: readonly string[];
}

export interface TemporalHandle extends EngineHandle {
  /** host:port of the frontend gRPC service, e.g. 127.0.0.1:7233 (what @temporalio/client wants). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly namespace: string;
  readonly httpPort: number;
  readonly metricsPort: number;
  /** e.g. http://127.0.0.1:8233, when the UI was asked for. */
  readonly uiUrl: string | undefined;
}

const PORT_ATTEMPTS = 3;

export async function startTemporal(options: TemporalOptions): Promise<TemporalHandle> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const binary = options.binary ?? resolveEngineBinary('temporal');
  const logFile = join(dataDir, 'temporal.log');
  const portsArePicked = !options.port || !options.httpPort || !options.metricsPort || options.uiPort === 0;

  for (let attempt = 1; ; attempt++) {
    mkdirSync(dataDir, { recursive: true });
    const port = await portOrFree(options.port, host);
    const httpPort = await portOrFree(options.httpPort, host);
    const metricsPort = await portOrFree(options.metricsPort, host);
    const uiPort = options.uiPort === undefined ? undefined : await portOrFree(options.uiPort, host);
    const args = [
      'server', 'start-dev',
      '--ip', host,
      '--port', String(port),
      '--http-port', String(httpPort),
      '--metrics-port', String(metricsPort),
      ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
      '--db-filename', join(dataDir, 'temporal.db'),
      '--namespace', namespace,
      '--log-format', 'json',
      '--log-level', options.logLevel ?? 'warn',
      ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
        '--dynamic-config-value', `${key}=${JSON.stringify(value)}`,
      ]),
      ...Object.entries(options.searchAttributes ?? {}).flatMap(([key, type]) => [
        '--search-attribute', `${key}=${type}`,
      ]),
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
    const address = `${host}:${port}`;
    let portOpen = false;
    try {
      await waitUntilReady(proc, {
        engine: 'temporal dev server',
        logFile,
        logOffset,
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 100,
        check: async () => {
          portOpen ||= await canConnect(host, port);
          return portOpen && (await namespaceIsServed(binary, address, namespace));
        },
      });
    } catch (error) {
      if (portsArePicked && attempt < PORT_ATTEMPTS && isPortRace(error)) continue;
      throw error;
    }
    return engineHandle({ engine: 'temporal', dataDir, logFile }, proc, {
      address,
      host,
      port,
      namespace,
      httpPort,
      metricsPort,
      uiUrl: uiPort === undefined ? undefined : `http://${host}:${uiPort}`,
    });
  }
}

/** True when the frontend at `address` answers DescribeNamespace for `namespace` (via the CLI). */
async function namespaceIsServed(binary: string, address: string, namespace: string): Promise<boolean> {
  await execFileAsync(
    binary,
    [
      'operator', 'namespace', 'describe',
      '--namespace', namespace,
      '--address', address,
      '--command-timeout', '3s',
      '--disable-config-file', '--disable-config-env',
      '--output', 'json',
    ],
    { timeout: 5_000 },
  );
  return true;
}
