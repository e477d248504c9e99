/**
 * Durable flows on a rack: the bridge between a scenario's `flows:` and pkg/orchestration.
 *
 * - FlowEngine (one per rack): the Temporal worker polling the rack's task queue (`fluxrig-<rack>`),
 *   over the gear catalogue plus the internal `flow-output` gear, and a client to start flows and
 *   manage schedules. Started on first need, kept until the rack stops: flows started on this rack's
 *   queue finish here even after the scenario moved or was undeployed.
 * - ScenarioFlows (one per scenario on a rack): for each flow this rack owns (placement rule in
 *   pkg/scenario/flow-plan.ts: with the gear feeding its trigger wire, else with the first gear):
 *     trigger.wire / trigger.subject  a durable JetStream consumer (`<scenario>__flow__<flow>__wire|
 *                                     subject`) that starts one workflow per message with an id derived
 *                                     from the envelope (id, or key), acking only once Temporal accepted
 *                                     the start: a redelivered message finds its workflow and is a no-op;
 *     trigger.cron                    a Temporal Schedule `schedule/<scenario>.<flow>`, created or replaced
 *                                     only when its plan, cron or task queue changed.
 *   Outputs travel inside the workflow (the `flow-output` step publishes to the wires leaving
 *   `<flow>.out` / `<flow>.error`), so nothing here waits for a flow to finish.
 *
 * This module never runs gear code itself and never decides a flow's retries: the plan does.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { Bus, RunningConsumer } from '../bus/index.ts';
import { STREAM_SPECS } from '../bus/index.ts';
import { RigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import type { Logger } from '../log/index.ts';
import type { FlowClient, FlowPlan, FlowWorker, TemporalSettings } from '../orchestration/index.ts';
// Pure modules of pkg/orchestration (also re-exported by its index), imported directly so that loading
// the rack (every `rig` command links it through `rig run`) does not load the Temporal SDK: that
// happens in `orchestration()` below, once a rack actually runs a durable flow.
import { FLOW_STATUS_PREFIX } from '../mixer/records.ts';
import { ATTEMPT_HEADER, IDEMPOTENCY_HEADER } from '../orchestration/plan.ts';
import { validateFlowPlan } from '../orchestration/plan-schema.ts';
import { taskQueueFor } from '../orchestration/settings.ts';
import { FLOW_OUTPUT_GEAR, flowPlanOf, flowPortTargets, flowsOwnedBy, type FlowOutputConfig } from '../scenario/flow-plan.ts';
import type { Scenario, ScenarioFlow } from '../scenario/model.ts';
import type { Envelope } from '../wire/envelope.ts';
import { dataSubject } from '../wire/subjects.ts';

type Orchestration = typeof import('../orchestration/index.ts');
let orchestrationModule: Promise<Orchestration> | undefined;
/** pkg/orchestration's public API, loaded on first use (it brings the Temporal client and worker). */
function orchestration(): Promise<Orchestration> {
  orchestrationModule ??= import('../orchestration/index.ts');
  return orchestrationModule;
}

/** Temporal's "no such schedule" (checked by name: the client module is loaded lazily). */
function isScheduleNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'ScheduleNotFoundError';
}

const flowOutputConfig = z.strictObject({
  flow: z.string(),
  port: z.enum(['out', 'error']),
  targets: z.array(z.strictObject({ wire: z.string(), subject: z.string() })).min(1),
}) satisfies z.ZodType<FlowOutputConfig>;

/**
 * The internal gear a flow's last step runs: publishes the envelope it gets to the wires leaving the
 * flow's port, deduplicated by the step's idempotency key (`<workflowId>/<step>`), so a retried or
 * replayed publish is stored once. Passes the envelope on so the flow's result still shows it.
 */
export function flowOutputGear(bus: Bus): GearDescriptor<FlowOutputConfig> {
  return {
    type: FLOW_OUTPUT_GEAR,
    summary: 'publishes a durable flow\'s result to the wires leaving the flow (internal)',
    config: flowOutputConfig,
    inputs: [{ name: 'in', summary: 'the envelope to publish' }],
    outputs: [{ name: 'out', summary: 'the same envelope, once stored' }],
    pure: false,
    create(config, context) {
      return {
        async handle(_port, message) {
          const key = message.headers?.[IDEMPOTENCY_HEADER] ?? message.id;
          const { [ATTEMPT_HEADER]: _attempt, ...headers } = message.headers ?? {};
          const { attempt: _n, ...rest } = message;
          const outgoing: Envelope = { ...rest, headers, scenario: context.scenario, gear: config.flow, port: config.port };
          await Promise.all(config.targets.map((target) => bus.publish(target.subject, outgoing, { msgId: `${key}/${target.wire}` })));
          await context.emit('out', outgoing);
        },
      };
    },
  };
}

export interface FlowEngineOptions {
  bus: Bus;
  rack: string;
  /** Absent: this rack has no Temporal; its durable flows are reported failed. */
  settings?: TemporalSettings;
  catalogue: readonly GearDescriptor[];
  logger: Logger;
  nextId: () => string;
  /** Time in-flight activities get when the rack stops (default 10 s). */
  shutdownGraceMs?: number;
}

/** One rack's worker and client, started on first use. */
export class FlowEngine {
  private starting: Promise<{ client: Client }> | undefined;
  private worker: FlowWorker | undefined;
  private flowClient: FlowClient | undefined;
  private readonly catalogue: readonly GearDescriptor[];
  /** Why the worker stopped on its own (it is started again on the next `ready()`), if it did. */
  failure: string | undefined;

  constructor(private readonly options: FlowEngineOptions) {
    this.catalogue = [...options.catalogue, flowOutputGear(options.bus) as GearDescriptor];
  }

  get rack(): string {
    return this.options.rack;
  }

  get taskQueuePrefix(): string | undefined {
    return this.options.settings?.taskQueuePrefix;
  }

  /** Gear types flows may use on this rack (the plan is validated against them before a trigger runs). */
  get gears(): readonly GearDescriptor[] {
    return this.catalogue;
  }

  /** The client, once the worker polls. A failed start is retried on the next call. */
  ready(): Promise<{ client: Client }> {
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async start(): Promise<{ client: Client }> {
    const settings = this.options.settings;
    if (settings === undefined) {
      throw new RigError('FLOW_NO_TEMPORAL', `rack ${this.options.rack} has no Temporal address: durable flows cannot run here`, {
        where: 'temporal.address',
        hint: 'set temporal.address (or run the rack inside `rig run`, which starts an embedded Temporal)',
      });
    }
    const log = this.options.logger.child({ component: 'flow-worker' });
    const { connectFlowClient, createFlowWorker } = await orchestration();
    const worker = await createFlowWorker({
      settings,
      rack: this.options.rack,
      catalogue: this.catalogue,
      nextId: this.options.nextId,
      shutdownGraceTime: this.options.shutdownGraceMs ?? 10_000,
      log: {
        trace: (obj, msg) => log.trace(obj, msg),
        debug: (obj, msg) => log.debug(obj, msg),
        info: (obj, msg) => log.info(obj, msg),
        warn: (obj, msg) => log.warn(obj, msg),
        error: (obj, msg) => log.error(obj, msg),
      },
    });
    this.worker = worker;
    worker.run().catch((error: unknown) => {
      log.error({ err: String(error) }, 'flow worker stopped with an error; restarted on the next heartbeat');
      if (this.worker === worker) {
        this.worker = undefined;
        this.starting = undefined;
        this.failure = `flow worker stopped: ${describe(error)}`;
      }
    });
    this.failure = undefined;
    this.flowClient ??= await connectFlowClient(settings);
    log.info({ task_queue: worker.taskQueue }, 'flow worker polling');
    return { client: this.flowClient.client };
  }

  /** Stops polling (in-flight activities finish within the grace time) and closes the client. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.worker?.shutdown();
    this.worker = undefined;
    await this.flowClient?.close();
    this.flowClient = undefined;
    this.starting = undefined;
  }
}

export interface FlowRunStatus {
  state: 'starting' | 'running' | 'failed';
  error?: string;
}

interface RunningFlow {
  /** The plan the trigger starts; replaced in place when a new scenario version changes it. */
  plan: FlowPlan;
  per: 'message' | 'key';
  /** Wires leaving `<flow>.error`: where a message that cannot start a run goes (e.g. no key). */
  errorTargets: FlowOutputConfig['targets'];
  /** What the triggers were set up for: a change restarts them. */
  triggerKey: string;
  consumers: RunningConsumer[];
  schedule?: string;
  status: FlowRunStatus;
}

/** Subject triggers read from the stream that captures them. */
function streamOf(subject: string): string {
  return subject.startsWith('fluxrig.events.') ? STREAM_SPECS.events.name : STREAM_SPECS.data.name;
}

export function scheduleIdOf(plan: FlowPlan): string {
  return `schedule/${plan.flow}`;
}

export class ScenarioFlows {
  private readonly flows = new Map<string, RunningFlow>();
  /** Flows whose plan this rack cannot run (e.g. a gear type it lacks), with the reason. */
  private readonly refused = new Map<string, string>();
  private readonly log: Logger;

  constructor(
    readonly scenarioId: string,
    private readonly engine: FlowEngine,
    private readonly bus: Bus,
    logger: Logger,
  ) {
    this.log = logger.child({ scenario: scenarioId, component: 'flows' });
  }

  get hasFailures(): boolean {
    if (this.flows.size > 0 && this.engine.failure !== undefined) return true;
    return this.refused.size > 0 || [...this.flows.values()].some((flow) => flow.status.state === 'failed');
  }

  /** `flow:<id>` entries for the rack's status report. */
  status(): Record<string, FlowRunStatus> {
    const out: Record<string, FlowRunStatus> = {};
    const engineFailure = this.engine.failure;
    for (const [id, flow] of this.flows) out[`${FLOW_STATUS_PREFIX}${id}`] = engineFailure === undefined ? { ...flow.status } : { state: 'failed', error: engineFailure };
    for (const [id, error] of this.refused) out[`${FLOW_STATUS_PREFIX}${id}`] = { state: 'failed', error };
    return out;
  }

  /** Runs the triggers of the flows this rack owns in `scenario`; stops those it no longer owns. */
  async apply(scenario: Scenario, gearIds: readonly string[]): Promise<void> {
    this.refused.clear();
    const owned = new Map(flowsOwnedBy(scenario, gearIds).map((flow) => [flow.id, flow]));
    if (owned.size > 0 && this.engine.failure !== undefined) {
      // The worker died (the rack retries every heartbeat): start a new one; triggers keep their client.
      await this.engine.ready().catch((error: unknown) => this.log.error({ err: describe(error) }, 'flow worker restart failed'));
    }
    for (const [id, running] of this.flows) {
      if (owned.has(id)) continue;
      // Gone from the scenario: its schedule goes too. Moved to another rack: that rack takes it over.
      const removed = !scenario.flows.some((flow) => flow.id === id);
      await this.stopFlow(id, running, removed);
    }
    for (const flow of owned.values()) await this.applyFlow(scenario, flow);
  }

  /** Stops every trigger; with `removeSchedules` (scenario undeployed) also deletes the schedules. */
  async stop(options: { removeSchedules: boolean; graceMs?: number }): Promise<void> {
    for (const [id, running] of [...this.flows]) await this.stopFlow(id, running, options.removeSchedules, options.graceMs);
  }

  private async applyFlow(scenario: Scenario, flow: ScenarioFlow): Promise<void> {
    const existing = this.flows.get(flow.id);
    let plan: FlowPlan;
    try {
      plan = validateFlowPlan(flowPlanOf(scenario, flow), this.engine.gears);
    } catch (error) {
      if (existing) await this.stopFlow(flow.id, existing, false);
      this.refused.set(flow.id, describe(error));
      this.log.error({ flow: flow.id, err: describe(error) }, 'durable flow cannot run on this rack');
      return;
    }
    const triggerKey = JSON.stringify([flow.trigger, flow.workflow_per]);
    if (existing && existing.status.state !== 'failed' && existing.triggerKey === triggerKey) {
      existing.plan = plan;
      existing.errorTargets = flowPortTargets(scenario, flow.id, 'error');
      if (flow.trigger.cron === undefined) return;
      try {
        await this.ensureSchedule(flow, existing);
      } catch (error) {
        existing.status = { state: 'failed', error: describe(error) };
        this.log.error({ flow: flow.id, err: describe(error) }, 'schedule update failed; retried on the next heartbeat');
      }
      return;
    }
    // A trigger without cron any more: the old schedule goes; with cron, ensureSchedule replaces it.
    if (existing) await this.stopFlow(flow.id, existing, flow.trigger.cron === undefined);
    const running: RunningFlow = {
      plan,
      per: flow.workflow_per,
      errorTargets: flowPortTargets(scenario, flow.id, 'error'),
      triggerKey,
      consumers: [],
      status: { state: 'starting' },
    };
    this.flows.set(flow.id, running);
    try {
      const { client } = await this.engine.ready();
      if (flow.trigger.wire !== undefined) {
        running.consumers.push(await this.consumeTrigger(client, flow, running, 'wire', dataSubject(scenario.id, flow.trigger.wire)));
      }
      if (flow.trigger.subject !== undefined) {
        running.consumers.push(await this.consumeTrigger(client, flow, running, 'subject', flow.trigger.subject));
      }
      if (flow.trigger.cron !== undefined) await this.ensureSchedule(flow, running);
      running.status = { state: 'running' };
      this.log.info({ flow: flow.id, trigger: flow.trigger }, 'durable flow triggers running');
    } catch (error) {
      running.status = { state: 'failed', error: describe(error) };
      this.log.error({ flow: flow.id, err: describe(error) }, 'durable flow triggers failed to start; retried on the next heartbeat');
      await Promise.all(running.consumers.splice(0).map((consumer) => consumer.stop()));
    }
  }

  private consumeTrigger(client: Client, flow: ScenarioFlow, running: RunningFlow, kind: 'wire' | 'subject', subject: string): Promise<RunningConsumer> {
    return this.bus.consume(
      {
        stream: streamOf(subject),
        durable: `${this.scenarioId}__flow__${flow.id}__${kind}`,
        filterSubjects: [subject],
        // Temporal may be briefly away (restart, failover): keep retrying for minutes before the DLQ.
        maxDeliver: 50,
      },
      async (envelope) => {
        if (running.per === 'key' && (envelope.key === undefined || envelope.key === '') && running.errorTargets.length > 0) {
          // No run can ever start for it: say so on the flow's error wires rather than retry for minutes.
          await this.publishUnstartable(flow.id, running, envelope, 'FLOW_NO_KEY', `flow ${flow.id} runs one workflow per key but message ${envelope.id} has no key`);
          return;
        }
        const { startFlowForEvent } = await orchestration();
        const started = await startFlowForEvent({
          client,
          rack: this.engine.rack,
          plan: running.plan,
          envelope,
          per: running.per,
          ...(this.engine.taskQueuePrefix === undefined ? {} : { taskQueuePrefix: this.engine.taskQueuePrefix }),
        });
        if (started.duplicate) this.log.debug({ flow: flow.id, workflow: started.workflowId }, 'flow already started for this message');
      },
    );
  }

  /** The error envelope a failed run publishes (same shape as the workflow's), for a message no run took. */
  private async publishUnstartable(flowId: string, running: RunningFlow, envelope: Envelope, code: string, message: string): Promise<void> {
    const error: Envelope = {
      id: `${envelope.id}/trigger`,
      type: 'fluxrig.flow.error',
      source: `flow/${running.plan.flow}/trigger`,
      time: new Date().toISOString(),
      datacontenttype: 'application/cbor',
      data: { step: 'trigger', code, message, input: envelope.data },
      scenario: this.scenarioId,
      gear: flowId,
      port: 'error',
      ...(envelope.traceparent === undefined ? {} : { traceparent: envelope.traceparent }),
      headers: { ...envelope.headers, 'error-code': code, 'error-step': 'trigger' },
    };
    this.log.warn({ flow: flowId, id: envelope.id, code }, 'message cannot start a flow: sent to the flow\'s error wires');
    await Promise.all(running.errorTargets.map((target) => this.bus.publish(target.subject, error, { msgId: `${error.id}/${target.wire}` })));
  }

  /** Creates the flow's schedule, or replaces it when what it would start changed. */
  private async ensureSchedule(flow: ScenarioFlow, running: RunningFlow): Promise<void> {
    const { client } = await this.engine.ready();
    const cron = flow.trigger.cron as string;
    const scheduleId = scheduleIdOf(running.plan);
    const taskQueue = taskQueueFor(this.engine.rack, this.engine.taskQueuePrefix);
    const template = { type: 'fluxrig.flow.scheduled', data: null, headers: { 'fluxrig-cron': cron } };
    const handle = client.schedule.getHandle(scheduleId);
    try {
      const description = await handle.describe();
      const action = description.action;
      const args = action.type === 'startWorkflow' ? (action.args as { plan?: unknown; envelope?: Envelope }[] | undefined) : undefined;
      const current = args?.[0];
      const same =
        action.type === 'startWorkflow' &&
        action.taskQueue === taskQueue &&
        isDeepStrictEqual(normalised(current?.plan), normalised(running.plan)) &&
        current?.envelope?.headers?.['fluxrig-cron'] === cron;
      if (same) {
        running.schedule = scheduleId;
        return;
      }
      await handle.delete();
      this.log.info({ flow: flow.id, schedule: scheduleId }, 'schedule changed: replacing it');
    } catch (error) {
      if (!isScheduleNotFound(error)) throw error;
    }
    const { scheduleFlow } = await orchestration();
    await scheduleFlow({
      client,
      rack: this.engine.rack,
      plan: running.plan,
      scheduleId,
      cron: [cron],
      template,
      ...(this.engine.taskQueuePrefix === undefined ? {} : { taskQueuePrefix: this.engine.taskQueuePrefix }),
    });
    running.schedule = scheduleId;
    this.log.info({ flow: flow.id, schedule: scheduleId, cron }, 'schedule created');
  }

  private async stopFlow(id: string, running: RunningFlow, removeSchedule: boolean, graceMs?: number): Promise<void> {
    this.flows.delete(id);
    await Promise.all(running.consumers.splice(0).map((consumer) => consumer.stop(graceMs)));
    const scheduleId = running.schedule;
    if (!removeSchedule || scheduleId === undefined) return;
    try {
      const { client } = await this.engine.ready();
      await client.schedule.getHandle(scheduleId).delete();
      this.log.info({ flow: id, schedule: scheduleId }, 'schedule deleted');
    } catch (error) {
      if (isScheduleNotFound(error)) return;
      this.log.warn({ flow: id, schedule: scheduleId, err: String(error) }, 'could not delete the schedule');
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Plans compared as they travel (JSON): absent and undefined fields are the same. */
function normalised(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
