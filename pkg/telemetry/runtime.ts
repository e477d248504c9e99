/**
 * Telemetry for one fluxrig process in one call, as `rig run` / the mixer / a rack need it:
 *   - every role: OpenTelemetry with bus export (and OTLP when configured);
 *   - roles that own the store (mixer, all-in-one): the DuckDB writer and the sink consuming
 *     FLUXRIG_TELEMETRY, with retention and roll interval from config, in a thread of their own
 *     (sink-thread.ts) on a bus connection of their own (`sinkBus`).
 * FLUXRIG_DISABLE_TELEMETRY=1 (or telemetry.enabled = false) turns all of it off, the sink included.
 * `stop()` is the shutdown path: the SDK flushes its last batches onto the bus first, then the sink
 * drains and the store closes. It never leaves the store open after stop.
 */
import type { Bus, BusConnectionOptions } from '../bus/index.ts';
import type { RigConfig } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import { telemetryDisabled } from '../log/env.ts';
import { busTelemetryPublisher } from './bus-publisher.ts';
import { sinkTimings, telemetryOptions, writerOptions } from './from-config.ts';
import { startTelemetry, type Telemetry } from './otel.ts';
import { type SinkThread, startSinkThread } from './sink-thread.ts';

export type TelemetryRole = 'mixer' | 'rack' | 'all-in-one' | 'cli';

export interface TelemetryRuntimeOptions {
  config: RigConfig;
  bus: Pick<Bus, 'publish'>;
  /** How the sink thread connects (roles that own the store): the same server and credentials as `bus`. */
  sinkBus?: Omit<BusConnectionOptions, 'logger'>;
  role: TelemetryRole;
  /** The rack id (racks and all-in-one). */
  rack?: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface TelemetryRuntime {
  readonly telemetry: Telemetry;
  /** Present in roles that own the store, when telemetry is on. */
  readonly sink: SinkThread | undefined;
  stop(): Promise<void>;
}

const OWNS_STORE: ReadonlySet<TelemetryRole> = new Set(['mixer', 'all-in-one']);

export async function startTelemetryRuntime(options: TelemetryRuntimeOptions): Promise<TelemetryRuntime> {
  const env = options.env ?? process.env;
  const source = options.rack ? `${options.role}/${options.rack}` : options.role;
  const otel = telemetryOptions(options.config, {
    serviceName: `rig-${options.role}`,
    role: options.role,
    ...(options.rack ? { rack: options.rack } : {}),
    publisher: busTelemetryPublisher(options.bus, source),
    env,
  });
  const telemetry = startTelemetry(otel);
  const off = !telemetry.enabled || telemetryDisabled(otel.env ?? env);
  let sink: SinkThread | undefined;
  if (!off && OWNS_STORE.has(options.role)) {
    if (!options.sinkBus) throw new Error(`startTelemetryRuntime: role ${options.role} owns the store and needs sinkBus`);
    try {
      sink = await startSinkThread({ bus: options.sinkBus, writer: writerOptions(options.config, options.cwd), sink: sinkTimings(options.config), logger: options.log });
    } catch (error) {
      await telemetry.shutdown();
      throw error;
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    telemetry,
    sink,
    stop() {
      stopped ??= (async () => {
        await telemetry.shutdown();
        await sink?.stop();
      })();
      return stopped;
    },
  };
}
