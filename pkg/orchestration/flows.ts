/**
 * Operating flows from the client side: start (manual and event-triggered), signal, query status,
 * cancel, await the result, list. A failed flow surfaces as RigError FLOW_FAILED whose details are the
 * FlowFailure the workflow threw (error-port envelope + step history), so callers never unwrap
 * Temporal failure chains themselves. Never imported by workflow code.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, WorkflowNotFoundError } from '@temporalio/common';
import { RigError } from '../errors/index.ts';
import type { Envelope } from '../wire/envelope.ts';
import { FLOW_FAILED, FLOW_SIGNAL_NAME, FLOW_STATUS_QUERY, FLOW_WORKFLOW_TYPE } from './plan.ts';
import type { DurableFlowInput, FlowFailure, FlowPlan, FlowResult, FlowSignal, FlowStatus } from './plan.ts';
import { taskQueueFor } from './settings.ts';

export interface StartFlowOptions {
  client: Client;
  /** Rack whose worker runs the flow (task queue `fluxrig-<rack>`). */
  rack: string;
  plan: FlowPlan;
  envelope: Envelope;
  /** Same as the worker's settings.taskQueuePrefix (default `fluxrig`). */
  taskQueuePrefix?: string;
  /** Default `<flow>/<envelope.id>`. */
  workflowId?: string;
}

export interface StartedFlow {
  workflowId: string;
  /** True when a flow with this id already existed and no new run was started. */
  duplicate: boolean;
  handle: WorkflowHandle;
}

/** Manual start (`rig flow start`): always a new run; fails with FLOW_EXISTS if the id is taken. */
export async function startFlow(options: StartFlowOptions): Promise<StartedFlow> {
  const workflowId = options.workflowId ?? `${options.plan.flow}/${options.envelope.id}`;
  try {
    const handle = await options.client.workflow.start(FLOW_WORKFLOW_TYPE, {
      taskQueue: taskQueueFor(options.rack, options.taskQueuePrefix),
      workflowId,
      args: [{ plan: options.plan, envelope: options.envelope } satisfies DurableFlowInput],
      memo: memoOf(options.plan, options.envelope),
      workflowIdConflictPolicy: 'FAIL',
    });
    return { workflowId, duplicate: false, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RigError('FLOW_EXISTS', `a flow with id ${workflowId} already exists`, {
        hint: 'pass another workflow id or envelope',
        cause: err,
      });
    }
    throw err;
  }
}

export interface EventStartOptions extends Omit<StartFlowOptions, 'workflowId'> {
  /**
   * `message` (default): one run per envelope id, ever (within the namespace's retention): a redelivered
   * message is a duplicate. `key`: one run at a time per envelope key, in turn: a message whose key has a
   * run in progress is refused with FLOW_KEY_BUSY (the caller redelivers it later), a redelivery of the
   * message that started the latest run is a duplicate, any other message starts the next run.
   */
  per?: 'message' | 'key';
}

/**
 * Event trigger: start a flow for an arriving envelope with a workflow id derived from it, so at-least-
 * once delivery upstream never runs a flow twice for the same message.
 */
export async function startFlowForEvent(options: EventStartOptions): Promise<StartedFlow> {
  const per = options.per ?? 'message';
  if (per === 'key') return startFlowForKey(options);
  const workflowId = `${options.plan.flow}/${options.envelope.id}`;
  try {
    const handle = await options.client.workflow.start(FLOW_WORKFLOW_TYPE, {
      taskQueue: taskQueueFor(options.rack, options.taskQueuePrefix),
      workflowId,
      args: [{ plan: options.plan, envelope: options.envelope } satisfies DurableFlowInput],
      memo: memoOf(options.plan, options.envelope),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { workflowId, duplicate: false, handle };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { workflowId, duplicate: true, handle: options.client.workflow.getHandle(workflowId) };
    }
    throw err;
  }
}

async function startFlowForKey(options: EventStartOptions): Promise<StartedFlow> {
  const { envelope, plan, client } = options;
  if (envelope.key === undefined || envelope.key === '') {
    throw new RigError('FLOW_NO_KEY', `flow ${plan.flow} runs per key but envelope ${envelope.id} has no key`, { where: 'envelope.key' });
  }
  const workflowId = `${plan.flow}/key/${envelope.key}`;
  const handle = client.workflow.getHandle(workflowId);
  // The latest run of this key (running or closed): started by this very envelope = a redelivery.
  const latest = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (latest !== undefined && latest.memo?.envelope === envelope.id) return { workflowId, duplicate: true, handle };
  const busy = () =>
    new RigError('FLOW_KEY_BUSY', `flow ${plan.flow} is still running for key ${envelope.key}; envelope ${envelope.id} must wait its turn`, {
      hint: 'redeliver later (the event trigger does this with back-off)',
      details: { workflowId },
    });
  if (latest !== undefined && latest.status.name === 'RUNNING') throw busy();
  try {
    const started = await client.workflow.start(FLOW_WORKFLOW_TYPE, {
      taskQueue: taskQueueFor(options.rack, options.taskQueuePrefix),
      workflowId,
      args: [{ plan, envelope } satisfies DurableFlowInput],
      memo: memoOf(plan, envelope),
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    return { workflowId, duplicate: false, handle: started };
  } catch (err) {
    // Another rack started a run for this key between describe() and start(): same answer as busy,
    // unless that run is this envelope's (then the next delivery sees it as a duplicate).
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw busy();
    throw err;
  }
}

/** An unknown workflow id as a RigError FLOW_NOT_FOUND (exit code 2) naming it; anything else unchanged. */
export function flowNotFound(workflowId: string, err: unknown): unknown {
  if (!(err instanceof WorkflowNotFoundError)) return err;
  return new RigError('FLOW_NOT_FOUND', `no durable flow ${workflowId}`, { where: workflowId, hint: 'see `rig flow list`', exitCode: 2, cause: err });
}

/** Deliver a signal (e.g. `approve` with a payload, or `reply` with an Envelope) to a running flow. */
export async function signalFlow(client: Client, workflowId: string, signal: FlowSignal): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(FLOW_SIGNAL_NAME, signal).catch((err: unknown) => {
    throw flowNotFound(workflowId, err);
  });
}

export async function flowStatus(client: Client, workflowId: string): Promise<FlowStatus> {
  return client.workflow.getHandle(workflowId).query<FlowStatus>(FLOW_STATUS_QUERY).catch((err: unknown) => {
    throw flowNotFound(workflowId, err);
  });
}

/** Request cancellation: the flow runs its compensations, then ends as cancelled. */
export async function cancelFlow(client: Client, workflowId: string): Promise<void> {
  await client.workflow.getHandle(workflowId).cancel().catch((err: unknown) => {
    throw flowNotFound(workflowId, err);
  });
}

/**
 * Wait for a flow's outcome. Resolves with the FlowResult; a failed flow rejects with RigError
 * FLOW_FAILED (details: FlowFailure), a cancelled one with RigError FLOW_CANCELLED.
 */
export async function flowResult(client: Client, workflowId: string): Promise<FlowResult> {
  try {
    return (await client.workflow.getHandle(workflowId).result()) as FlowResult;
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      if (cause instanceof ApplicationFailure && cause.type === FLOW_FAILED) {
        const failure = cause.details?.[0] as FlowFailure;
        throw new RigError(FLOW_FAILED, cause.message, {
          where: `flow ${failure.flow} step ${failure.step}`,
          details: { ...failure },
          cause: err,
        });
      }
      if (cause instanceof CancelledFailure) {
        throw new RigError('FLOW_CANCELLED', `flow ${workflowId} was cancelled`, { cause: err });
      }
    }
    throw flowNotFound(workflowId, err);
  }
}

export interface FlowSummary {
  workflowId: string;
  runId: string;
  flow: string | undefined;
  scenario: string | undefined;
  status: string;
  startTime: Date;
  closeTime: Date | undefined;
}

/** Durable flows known to the namespace, newest first (visibility query, bounded by `limit`). */
export async function listFlows(client: Client, options: { limit?: number; query?: string } = {}): Promise<FlowSummary[]> {
  const limit = options.limit ?? 50;
  const query = [`WorkflowType = '${FLOW_WORKFLOW_TYPE}'`, options.query].filter(Boolean).join(' AND ');
  const out: FlowSummary[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    out.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      flow: execution.memo?.flow as string | undefined,
      scenario: execution.memo?.scenario as string | undefined,
      status: execution.status.name,
      startTime: execution.startTime,
      closeTime: execution.closeTime,
    });
    if (out.length >= limit) break;
  }
  return out;
}

function memoOf(plan: FlowPlan, envelope: Envelope): Record<string, unknown> {
  return { flow: plan.flow, scenario: plan.scenario, envelope: envelope.id };
}
