/**
 * Cron triggers on Temporal Schedules: the server, not a rack timer, decides when a flow runs, so a
 * schedule keeps firing across rack restarts and never fires twice for one slot. Each run gets the
 * template envelope with an empty id; the workflow stamps it with its own id and start time.
 */
import type { Client, ScheduleHandle, ScheduleOverlapPolicy } from '@temporalio/client';
import { RigError } from '../errors/index.ts';
import type { Envelope } from '../wire/envelope.ts';
import { FLOW_WORKFLOW_TYPE } from './plan.ts';
import type { DurableFlowInput, Duration, FlowPlan } from './plan.ts';
import { taskQueueFor } from './settings.ts';

export interface ScheduleFlowOptions {
  client: Client;
  rack: string;
  /** Same as the worker's settings.taskQueuePrefix (default `fluxrig`). */
  taskQueuePrefix?: string;
  plan: FlowPlan;
  /** Default `schedule/<flow>`. */
  scheduleId?: string;
  /** Standard cron expressions (UTC), e.g. `*\/5 * * * *`. */
  cron?: string[];
  /** Fixed intervals, e.g. `30s`. */
  every?: Duration[];
  /** Data and type of the envelope each run starts with. */
  template?: Pick<Envelope, 'type' | 'data'> & Partial<Envelope>;
  /** What to do when the previous run is still going (default SKIP). */
  overlap?: ScheduleOverlapPolicy;
}

/** Creates the flow's schedule. */
export async function scheduleFlow(options: ScheduleFlowOptions): Promise<ScheduleHandle> {
  return options.client.schedule.create({ scheduleId: scheduleIdFor(options), ...scheduleDefinition(options) });
}

/**
 * Changes an existing schedule in place to what `options` describe (spec, action, overlap policy),
 * keeping its identity, history and pause state: Temporal's update, not a delete and a create, so no
 * slot is missed or doubled between the two.
 */
export async function updateScheduledFlow(options: ScheduleFlowOptions): Promise<ScheduleHandle> {
  const definition = scheduleDefinition(options);
  const handle = options.client.schedule.getHandle(scheduleIdFor(options));
  await handle.update((previous) => ({ ...definition, state: { paused: previous.state.paused, note: previous.state.note } }));
  return handle;
}

function scheduleIdFor(options: ScheduleFlowOptions): string {
  return options.scheduleId ?? `schedule/${options.plan.flow}`;
}

/** What a schedule consists of, shared by create and update. */
function scheduleDefinition(options: ScheduleFlowOptions) {
  const cron = options.cron ?? [];
  const every = options.every ?? [];
  if (cron.length === 0 && every.length === 0) {
    throw new RigError('FLOW_SCHEDULE_EMPTY', `schedule for flow ${options.plan.flow} has neither cron nor every`, { exitCode: 2 });
  }
  const envelope: Envelope = {
    type: 'fluxrig.schedule.tick',
    data: null,
    ...options.template,
    id: '',
    source: `schedule/${options.plan.flow}`,
    time: '',
    scenario: options.plan.scenario,
  };
  const input: DurableFlowInput = { plan: options.plan, envelope };
  return {
    spec: {
      ...(cron.length === 0 ? {} : { cronExpressions: cron }),
      ...(every.length === 0 ? {} : { intervals: every.map((e) => ({ every: e })) }),
    },
    action: {
      type: 'startWorkflow' as const,
      workflowType: FLOW_WORKFLOW_TYPE,
      workflowId: `${options.plan.flow}/scheduled`,
      taskQueue: taskQueueFor(options.rack, options.taskQueuePrefix),
      args: [input],
      // The memo of every workflow the schedule starts (rig flow list shows the trigger).
      memo: { flow: options.plan.flow, scenario: options.plan.scenario, trigger: 'schedule' },
    },
    policies: { overlap: options.overlap ?? ('SKIP' as ScheduleOverlapPolicy) },
  };
}
