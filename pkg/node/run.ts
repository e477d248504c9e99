/**
 * One `rig run` process: the embedded engines it supervises (when no external NATS / Temporal is
 * configured), the mixer, a rack, or all of them, plus the example scenario for the all-in-one node.
 * Returns a handle whose `stop()` shuts down in the safe order: the rack drains first (sources stop,
 * in-flight work finishes), then the mixer, then bus connections, then the engines.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { type Bus, type BusConnectionOptions, openBus } from '../bus/index.ts';
import { type RigConfig, dataDir, rackId, nodeId } from '../config/index.ts';
import { RigError } from '../errors/index.ts';
import type { IdGenerator } from '../idgen/index.ts';
import { type Logger, tapLogger, telemetryDisabled } from '../log/index.ts';
import { type RunningMixer, startMixer } from '../mixer/mixer.ts';
import { temporalSettingsFrom } from '../orchestration/settings.ts';
import { Rack } from '../rack/rack.ts';
import { problemsError, readScenarioFile } from '../scenario/index.ts';
import { type NatsHandle, type TemporalHandle, startNats, startTemporal } from '../supervise/index.ts';
import { busTelemetryPublisher } from '../telemetry/bus-publisher.ts';
import { sinkTimings, telemetryOptions, writerOptions } from '../telemetry/from-config.ts';
import { logLineForwarder } from '../telemetry/log-bridge.ts';
import { startTelemetry, type Telemetry } from '../telemetry/otel.ts';
import { startSinkThread } from '../telemetry/sink-thread.ts';
import { mixerToken } from './token.ts';

export interface RunOptions {
  config: RigConfig;
  logger: Logger;
  ids: IdGenerator;
  version: string;
  /** Scenario files to store and deploy once the node is up (all-in-one and mixer roles). */
  scenarios: string[];
  /** Wait at most this long for deployed scenarios to report running. */
  readyTimeoutMs: number;
}

export interface Endpoints {
  role: RigConfig['node']['role'];
  dataDir: string;
  natsUrl: string;
  temporalAddress?: string;
  mixerUrl?: string;
  rack?: string;
  scenarios: { id: string; version: number; state: string }[];
}

export interface RunningNode {
  endpoints: Endpoints;
  mixer?: RunningMixer;
  rack?: Rack;
  stop(): Promise<void>;
}

export async function runNode(options: RunOptions): Promise<RunningNode> {
  const { config, logger } = options;
  const role = config.node.role;
  const directory = dataDir(config);
  await mkdir(directory, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((error: unknown) => logger.error({ err: String(error) }, 'shutdown step failed'));
  };

  try {
    const nats = await natsFor(config, directory, logger);
    if (nats.handle) stops.push(async () => void (await (nats.handle as NatsHandle).stop()));
    const temporal = await temporalFor(config, directory, logger);
    if (temporal.handle) stops.push(async () => void (await (temporal.handle as TemporalHandle).stop()));

    const busOptions = (name: string): Omit<BusConnectionOptions, 'logger'> => ({
      servers: nats.url, // one URL, or several comma-separated: connectBus splits them
      name,
      ...(config.nats.token ? { token: config.nats.token } : {}),
      ...(config.nats.user ? { user: config.nats.user, pass: config.nats.password } : {}),
      ...(config.nats.creds_file ? { credsFile: config.nats.creds_file } : {}),
    });
    const connect = async (name: string): Promise<Bus> => {
      const bus = await openBus({ ...busOptions(name), logger });
      stops.push(() => bus.close());
      return bus;
    };

    // Telemetry first, so the gears' spans and logs are recorded from the start (DESIGN §6).
    let telemetry: Telemetry | undefined;
    if (config.telemetry.enabled && !telemetryDisabled()) {
      const telemetryBus = await connect(`rig-telemetry-${nodeId(config)}`);
      telemetry = startTelemetry(
        telemetryOptions(config, {
          serviceName: `rig-${role}`,
          role: role === 'all' ? 'all-in-one' : role,
          ...(role === 'mixer' ? {} : { rack: rackId(config) }),
          publisher: busTelemetryPublisher(telemetryBus, `node/${nodeId(config)}`),
        }),
      );
      tryTapLogger(logger, logLineForwarder(telemetry.logger));
    }

    const endpoints: Endpoints = { role, dataDir: directory, natsUrl: nats.url, scenarios: [] };
    if (temporal.address) endpoints.temporalAddress = temporal.address;
    const node: RunningNode = { endpoints, stop: stopAll };

    if (role === 'all' || role === 'mixer') {
      const mixer = await startMixer({
        bus: await connect(`rig-mixer-${nodeId(config)}`),
        catalogue: gearCatalogue,
        logger,
        ids: options.ids,
        host: config.mixer.host,
        port: config.mixer.port,
        apiToken: await mixerToken(config.mixer.api_token, directory),
        version: options.version,
        reconcileEveryMs: config.rack.heartbeat_interval,
      });
      stops.push(() => mixer.stop());
      node.mixer = mixer;
      endpoints.mixerUrl = mixer.url;
      if (telemetry) {
        // The mixer's sink stores every process's telemetry in DuckDB + Parquet under the data dir, in
        // a thread of its own (sink-thread.ts) so that work never delays the gears.
        const sink = await startSinkThread({
          bus: busOptions(`rig-sink-${nodeId(config)}`),
          writer: writerOptions(config),
          sink: sinkTimings(config),
          logger,
        });
        stops.push(async () => void (await sink.stop()));
      }
    }
    if (telemetry) {
      // Stopped after the rack (LIFO) so its last spans are exported, before the sink stops.
      const active = telemetry;
      stops.push(async () => {
        tryTapLogger(logger, undefined);
        await active.shutdown();
      });
    }
    if (role === 'all' || role === 'rack') {
      const rack = new Rack({
        bus: await connect(`rig-rack-${rackId(config)}`),
        id: rackId(config),
        labels: config.rack.labels,
        catalogue: gearCatalogue,
        logger,
        ids: options.ids,
        version: options.version,
        heartbeatMs: config.rack.heartbeat_interval,
        drainTimeoutMs: config.rack.drain_timeout,
        // The embedded dev server this node started, or temporal.address; none for a rack without it.
        ...(temporal.address ? { temporal: temporalSettingsFrom(config.temporal, temporal.address) } : {}),
      });
      await rack.start();
      stops.push(() => rack.stop());
      node.rack = rack;
      endpoints.rack = rack.id;
    }
    if (node.mixer && options.scenarios.length > 0) {
      // Only a node that runs its own rack can wait for the scenario to run; a mixer alone deploys and
      // lets racks pick the work up as they join.
      endpoints.scenarios = await deployScenarios(node.mixer, options.scenarios, node.rack ? options.readyTimeoutMs : undefined);
    }
    return node;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Forward log lines into telemetry when the logger supports it (loggers made by createLogger do). */
function tryTapLogger(logger: Logger, write: ((line: string) => void) | undefined): void {
  try {
    tapLogger(logger, write);
  } catch {
    // A logger from elsewhere (tests, embedding) has no tap: its lines stay out of the store.
  }
}

async function natsFor(config: RigConfig, directory: string, logger: Logger): Promise<{ url: string; handle?: NatsHandle }> {
  if (config.nats.url !== '') return { url: config.nats.url };
  if (config.node.role === 'rack') {
    throw new RigError('RUN_NEEDS_NATS', 'a rack-only node needs the NATS URL of its cluster', {
      hint: 'set nats.url in rig.toml, FLUXRIG_NATS_URL, or pass --nats-url nats://host:4222',
      exitCode: 2,
    });
  }
  const handle = await startNats({ dataDir: join(directory, 'nats'), host: config.nats.embedded_host, port: config.nats.embedded_port });
  logger.info({ url: handle.url }, 'embedded nats-server ready');
  return { url: handle.url, handle };
}

async function temporalFor(config: RigConfig, directory: string, logger: Logger): Promise<{ address?: string; handle?: TemporalHandle }> {
  if (config.temporal.address !== '') return { address: config.temporal.address };
  if (config.node.role === 'rack') return {};
  const handle = await startTemporal({
    dataDir: join(directory, 'temporal'),
    port: config.temporal.embedded_port,
    namespace: config.temporal.namespace,
    ...(config.temporal.embedded_ui_port > 0 ? { uiPort: config.temporal.embedded_ui_port } : {}),
  });
  logger.info({ address: handle.address }, 'embedded temporal dev server ready');
  return { address: handle.address, handle };
}

async function deployScenarios(mixer: RunningMixer, files: string[], readyTimeoutMs: number | undefined): Promise<Endpoints['scenarios']> {
  const deployed: Endpoints['scenarios'] = [];
  for (const file of files) {
    const parsed = await readScenarioFile(file);
    if (!parsed.scenario) throw problemsError('SCENARIO_INVALID', file, parsed.problems);
    const record = await mixer.service.putScenario(parsed.scenario.id, parsed.scenario);
    await mixer.service.setDeployed(record.id, true);
    deployed.push({ id: record.id, version: record.version, state: 'pending' });
  }
  if (readyTimeoutMs === undefined) return deployed;
  const deadline = Date.now() + readyTimeoutMs;
  for (const entry of deployed) {
    for (;;) {
      const status = await mixer.service.status(entry.id);
      entry.state = status.state;
      if (status.state === 'running') break;
      if (Date.now() > deadline) {
        const stuck = status.gears.filter((gear) => gear.state !== 'running').map((gear) => `${gear.gear}: ${gear.state}${gear.error ? ` (${gear.error})` : ''}`);
        throw new RigError('RUN_NOT_READY', `scenario ${entry.id} did not start within ${readyTimeoutMs} ms: ${stuck.join('; ')}`, {
          hint: 'see the log for the failing gear; check the ports it listens on are free',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return deployed;
}
