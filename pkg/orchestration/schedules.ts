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

export async function scheduleFlow(options: ScheduleFlowOptions): Promise<ScheduleHandle> {
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
  return options.client.schedule.create({
    scheduleId: options.scheduleId ?? `schedule/${options.plan.flow}`,
    spec: {
      ...(cron.length === 0 ? {} : { cronExpressions: cron }),
      ...(every.length === 0 ? {} : { intervals: every.map((e) => ({ every: e })) }),
    },
    action: {
      type: 'startWorkflow',
      workflowType: FLOW_WORKFLOW_TYPE,
      workflowId: `${options.plan.flow}/scheduled`,
      taskQueue: taskQueueFor(options.rack, options.taskQueuePrefix),
      args: [input],
      memo: { flow: options.plan.flow, scenario: options.plan.scenario, trigger: 'schedule' },
    },
    policies: { overlap: options.overlap ?? 'SKIP' },
  });
}
