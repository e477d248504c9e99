/**
 * A rack: the data-plane process that runs gears. It registers in the `fluxrig-racks` KV bucket and
 * heartbeats there and on `fluxrig.control.<rack>.heartbeat`, watches its desired state
 * (`assignment.<rack>` in `fluxrig-desired`), and reconciles: it runs exactly the gears the mixer
 * assigned, at the scenario version the mixer stored. It answers `fluxrig.control.<rack>.drain` and
 * drains on SIGTERM: sources stop first, in-flight messages finish, the record says draining so the
 * mixer moves the work elsewhere. Work a crashed rack left unacked is redelivered by JetStream to
 * whichever rack runs the gear next. With durable flows it also runs a Temporal worker on its own task
 * queue (flow-runtime.ts), started on first need and stopped last, after the drain.
 */
import { hostname } from 'node:os';
import type { Bus, KvBucket, KvWatch, Listener } from '../bus/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { envelopeFactory } from '../gear/envelopes.ts';
import type { IdGenerator } from '../idgen/index.ts';
import type { Logger } from '../log/index.ts';
import { assignmentKey, scenarioKey } from '../mixer/kv-store.ts';
import type { DesiredState, RackRecord, ScenarioRecord } from '../mixer/records.ts';
import { controlSubject } from '../wire/subjects.ts';
import type { TemporalSettings } from '../orchestration/index.ts';
import { FlowEngine } from './flow-runtime.ts';
import { ScenarioRuntime } from './scenario-runtime.ts';

export interface RackOptions {
  bus: Bus;
  id: string;
  labels: Record<string, string>;
  catalogue: readonly GearDescriptor[];
  logger: Logger;
  ids: IdGenerator;
  version: string;
  heartbeatMs: number;
  /** How long in-flight work may take when draining. */
  drainTimeoutMs: number;
  /** Default messages handled at once per gear input. */
  concurrency?: number;
  /** Where durable flows run (config `temporal.*`, or `rig run`'s embedded server); absent = no flows here. */
  temporal?: TemporalSettings;
}

export class Rack {
  private readonly catalogue: ReadonlyMap<string, GearDescriptor>;
  private readonly runtimes = new Map<string, ScenarioRuntime>();
  private readonly startedAt = new Date().toISOString();
  private readonly log: Logger;
  private racks!: KvBucket<RackRecord>;
  private desired!: KvBucket<DesiredState | ScenarioRecord>;
  private watch: KvWatch<DesiredState | ScenarioRecord> | undefined;
  private watchLoop: Promise<void> | undefined;
  private control: Listener | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> = Promise.resolve();
  private latest: DesiredState | undefined;
  private draining = false;
  private pendingRetry = false;
  private stopped = false;
  private readonly flows: FlowEngine;

  constructor(private readonly options: RackOptions) {
    this.catalogue = new Map(options.catalogue.map((descriptor) => [descriptor.type, descriptor]));
    this.log = options.logger.child({ rack: options.id });
    this.flows = new FlowEngine({
      bus: options.bus,
      rack: options.id,
      ...(options.temporal === undefined ? {} : { settings: options.temporal }),
      catalogue: options.catalogue,
      logger: this.log,
      nextId: () => options.ids.next(),
      shutdownGraceMs: options.drainTimeoutMs,
    });
  }

  get id(): string {
    return this.options.id;
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    await bus.ensureStreams();
    this.racks = await bus.kv<RackRecord>('racks');
    this.desired = await bus.kv<DesiredState | ScenarioRecord>('desired');
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => {
      this.heartbeat().catch((error: unknown) => this.log.warn({ err: String(error) }, 'heartbeat failed'));
      this.retryFailedGears();
    }, this.options.heartbeatMs);
    this.heartbeatTimer.unref();
    const reply = envelopeFactory({ nextId: () => this.options.ids.next(), scenario: '', gearId: 'control', sourcePrefix: `rack/${this.id}` });
    this.control = bus.serve(controlSubject(this.id, 'drain'), async (request) => {
      this.log.info({ from: request.source }, 'drain requested');
      void this.drain();
      return reply({ rack: this.id, draining: true }, { type: 'fluxrig.control.drain.accepted', parent: request });
    });
    this.watch = await this.desired.watch({ key: assignmentKey(this.id) });
    this.watchLoop = (async () => {
      for await (const change of this.watch as KvWatch<DesiredState | ScenarioRecord>) {
        if (change.op === 'delete') this.onDesired({ rack: this.id, revision: change.revision, scenarios: {} });
        else if (change.value) this.onDesired(change.value as DesiredState);
      }
    })();
    this.log.info({ labels: this.options.labels, gear_types: this.catalogue.size }, 'rack registered');
  }

  /** Resolves once the latest desired state seen so far has been applied. */
  settled(): Promise<void> {
    return this.reconciling;
  }

  /** Gears that failed to start are retried once per heartbeat until they run or are unassigned. */
  private retryFailedGears(): void {
    if (!this.latest || this.draining || this.stopped || this.pendingRetry) return;
    if (![...this.runtimes.values()].some((runtime) => runtime.hasFailures)) return;
    this.pendingRetry = true;
    this.onDesired(this.latest);
    void this.reconciling.then(() => (this.pendingRetry = false));
  }

  private onDesired(state: DesiredState): void {
    this.latest = state;
    this.reconciling = this.reconciling.then(() => this.reconcile()).catch((error: unknown) => this.log.error({ err: String(error) }, 'reconcile failed'));
  }

  private async reconcile(): Promise<void> {
    const state = this.latest;
    if (!state || this.draining || this.stopped) return;
    for (const [scenarioId, runtime] of this.runtimes) {
      if (state.scenarios[scenarioId]) continue;
      // Undeployed (not merely moved to another rack): its flows' schedules go with it.
      const stored = (await this.desired.get(scenarioKey(scenarioId)))?.value as ScenarioRecord | undefined;
      await runtime.stop({ undeployed: stored?.deployed !== true });
      this.runtimes.delete(scenarioId);
      this.log.info({ scenario: scenarioId }, 'scenario removed from this rack');
    }
    for (const [scenarioId, entry] of Object.entries(state.scenarios)) {
      const record = (await this.desired.get(scenarioKey(scenarioId)))?.value as ScenarioRecord | undefined;
      if (!record) {
        this.log.warn({ scenario: scenarioId }, 'assigned scenario is not stored (yet); waiting for the mixer');
        continue;
      }
      let runtime = this.runtimes.get(scenarioId);
      if (!runtime) {
        runtime = new ScenarioRuntime(scenarioId, {
          bus: this.options.bus,
          rack: this.id,
          catalogue: this.catalogue,
          logger: this.log,
          nextId: () => this.options.ids.next(),
          concurrency: this.options.concurrency ?? 64,
          graceMs: this.options.drainTimeoutMs,
          flows: this.flows,
        });
        this.runtimes.set(scenarioId, runtime);
      }
      await runtime.apply(record, entry.gears);
      this.log.info({ scenario: scenarioId, version: record.version, gears: entry.gears }, 'scenario applied');
    }
    await this.heartbeat();
  }

  record(): RackRecord {
    const scenarios: RackRecord['scenarios'] = {};
    for (const [id, runtime] of this.runtimes) scenarios[id] = runtime.status();
    return {
      id: this.id,
      labels: this.options.labels,
      gearTypes: [...this.catalogue.keys()],
      host: hostname(),
      pid: process.pid,
      version: this.options.version,
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
      heartbeatMs: this.options.heartbeatMs,
      draining: this.draining,
      scenarios,
    };
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    const record = this.record();
    await this.racks.put(this.id, record);
    const beat = envelopeFactory({ nextId: () => this.options.ids.next(), scenario: '', gearId: 'heartbeat', sourcePrefix: `rack/${this.id}` });
    this.options.bus.publishFast(controlSubject(this.id, 'heartbeat'), beat({ draining: record.draining, scenarios: Object.keys(record.scenarios).length }, { type: 'fluxrig.rack.heartbeat' }));
  }

  /** Stops taking new work and finishes what is in flight; the mixer then assigns the work elsewhere. */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    await this.heartbeat().catch(() => undefined);
    await this.reconciling;
    await Promise.all([...this.runtimes.values()].map((runtime) => runtime.stop()));
    this.runtimes.clear();
    await this.heartbeat().catch(() => undefined);
    this.log.info('rack drained');
  }

  /** Drains, then leaves the registry so the mixer reassigns at once. */
  async stop(): Promise<void> {
    await this.drain();
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.watch?.stop();
    await this.watchLoop;
    await this.control?.stop();
    await this.flows.stop().catch((error: unknown) => this.log.warn({ err: String(error) }, 'flow worker did not stop cleanly'));
    await this.racks.delete(this.id).catch((error: unknown) => this.log.warn({ err: String(error) }, 'could not leave the registry'));
  }
}
