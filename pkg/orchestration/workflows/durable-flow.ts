/**
 * durableFlow: one Temporal workflow runs one flow plan for one triggering envelope. Every gear step is
 * the ONE generic activity `runGearStep` (or its local-activity twin for pure gears), with the step's own
 * retry policy and timeout; `wait`, `sleep` and `request` steps are signals and durable timers. When a
 * step fails for good the saga runs the compensations of the completed steps in reverse order, then the
 * `onError` steps with the error envelope, then the workflow fails with a FLOW_FAILED ApplicationFailure
 * whose details carry a FlowFailure (the error-port envelope and the step history).
 *
 * This file runs inside Temporal's deterministic sandbox and is replayed from history: it must never do
 * I/O, read the real clock, use randomness or import runtime code beyond @temporalio/workflow and pure
 * types. Any change to the order of commands it issues breaks replay of running flows: the replay test
 * (test/orchestration/replay.test.ts) guards that; change behaviour behind `patched()` when needed.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { Envelope } from '../../wire/envelope.ts';
import type { GearActivities } from '../activities.ts';
import {
  COMPENSATES_HEADER,
  FLOW_FAILED,
  FLOW_REJECTED,
  FLOW_REPLY_TIMEOUT,
  FLOW_SIGNAL_NAME,
  FLOW_STATUS_QUERY,
  FLOW_WAIT_TIMEOUT,
  IDEMPOTENCY_HEADER,
} from '../plan.ts';
import type {
  DurableFlowInput,
  FlowFailure,
  FlowResult,
  FlowSignal,
  FlowState,
  FlowStatus,
  FlowStep,
  GearInvocation,
  RequestStep,
  StepOutput,
  StepRecord,
  StepRetryPolicy,
  WaitStep,
} from '../plan.ts';

export const flowSignal = defineSignal<[FlowSignal]>(FLOW_SIGNAL_NAME);
export const flowStatusQuery = defineQuery<FlowStatus>(FLOW_STATUS_QUERY);

const DEFAULT_STEP_TIMEOUT = '30s';
const DEFAULT_PORT = 'in';
const ERROR_PORT = 'error';

/** A step failure the saga handles (as opposed to cancellation or a bug). */
class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function durableFlow(input: DurableFlowInput): Promise<FlowResult> {
  const { plan } = input;
  const info = workflowInfo();
  const history: StepRecord[] = [];
  let state: FlowState = 'running';
  let current: string | undefined;

  // Signals are buffered in arrival order; wait/request steps consume the first one they accept, so a
  // signal that arrives before its step is reached is not lost.
  const inbox: FlowSignal[] = [];
  setHandler(flowSignal, (signal) => {
    inbox.push(signal);
  });
  for (const name of signalNamesOf(plan.steps)) {
    setHandler(defineSignal<[unknown]>(name), (payload) => {
      inbox.push({ name, payload });
    });
  }
  setHandler(flowStatusQuery, () => ({ flow: plan.flow, state, current, history: [...history] }));

  const compensationsById = new Map((plan.compensations ?? []).map((c) => [c.id, c]));
  /** Completed steps with a compensation, in completion order, with the envelope they produced. */
  const completed: { step: string; compensate: GearInvocation; envelope: Envelope }[] = [];

  let envelope = stampScheduledEnvelope(input.envelope, info.workflowId);
  let outputs: StepOutput[] = [];

  const begin = (step: string, kind: StepRecord['kind']): StepRecord => {
    const record: StepRecord = { step, kind, state: 'running', startedAt: nowIso() };
    history.push(record);
    current = step;
    return record;
  };
  const finish = (record: StepRecord, port?: string, outputId?: string): void => {
    record.state = 'completed';
    record.endedAt = nowIso();
    if (port !== undefined) record.port = port;
    if (outputId !== undefined) record.outputId = outputId;
  };

  try {
    for (const step of plan.steps) {
      const record = begin(step.id, step.kind);
      try {
        switch (step.kind) {
          case 'gear': {
            outputs = await runGear(step, envelope, step.id, 'step');
            const next = pickNext(step, outputs);
            if (next === undefined) {
              // The gear dropped the message (a filter): the flow ends here, successfully.
              finish(record);
              if (step.compensate !== undefined) remember(step.id, step.compensate, envelope);
              state = 'completed';
              current = undefined;
              return { flow: plan.flow, outputs, history: [...history] };
            }
            finish(record, next.port, next.envelope.id);
            if (step.compensate !== undefined) remember(step.id, step.compensate, next.envelope);
            envelope = next.envelope;
            break;
          }
          case 'sleep': {
            await sleep(step.duration);
            finish(record);
            break;
          }
          case 'wait': {
            state = 'waiting';
            const signal = await waitFor(step);
            state = 'running';
            envelope = withSignal(envelope, step, signal);
            finish(record, signal?.name ?? 'timeout');
            break;
          }
          case 'request': {
            await runGear(step, envelope, step.id, 'step');
            state = 'waiting';
            const reply = await waitForReply(step);
            state = 'running';
            finish(record, step.replySignal ?? 'reply', reply.id);
            if (step.compensate !== undefined) remember(step.id, step.compensate, envelope);
            envelope = reply;
            outputs = [{ port: 'reply', envelope: reply }];
            break;
          }
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        const failure = asStepFailure(step.id, err);
        record.state = 'failed';
        record.endedAt = nowIso();
        record.error = { code: failure.code, message: failure.message };
        throw failure;
      }
    }
    state = 'completed';
    current = undefined;
    return { flow: plan.flow, outputs, history: [...history] };
  } catch (err) {
    if (isCancellation(err)) {
      // Cancellation (rig flow cancel) still undoes what was done; the scope keeps the compensations
      // themselves from being cancelled.
      await CancellationScope.nonCancellable(() => compensate());
      state = 'cancelled';
      throw err;
    }
    if (!(err instanceof StepFailed)) throw err;
    await compensate();
    const errorEnvelope = errorEnvelopeFor(err, envelope);
    await runOnError(errorEnvelope);
    state = 'failed';
    current = undefined;
    const failure: FlowFailure = {
      flow: plan.flow,
      step: err.step,
      code: err.code,
      message: err.message,
      error: errorEnvelope,
      history: [...history],
    };
    throw ApplicationFailure.create({
      type: FLOW_FAILED,
      message: `flow ${plan.flow} failed at step ${err.step}: ${err.code}: ${err.message}`,
      nonRetryable: true,
      details: [failure],
    });
  }

  function remember(step: string, compensationId: string, produced: Envelope): void {
    const compensation = compensationsById.get(compensationId);
    // plan-schema.ts rejects unknown ids before start; this guards hand-built plans.
    if (compensation === undefined) {
      throw new StepFailed(step, 'FLOW_PLAN_INVALID', `step ${step} names unknown compensation ${compensationId}`);
    }
    completed.push({ step, compensate: compensation, envelope: produced });
  }

  async function compensate(): Promise<void> {
    if (completed.length === 0) return;
    state = 'compensating';
    for (const done of [...completed].reverse()) {
      const id = `${done.compensate.id}@${done.step}`;
      const record = begin(id, 'compensation');
      const input: Envelope = {
        ...done.envelope,
        headers: { ...done.envelope.headers, [COMPENSATES_HEADER]: done.step },
      };
      try {
        const out = await runGear(done.compensate, input, id, 'compensation');
        finish(record, out[0]?.port, out[0]?.envelope.id);
        record.state = 'compensated';
      } catch (err) {
        if (isCancellation(err)) throw err;
        // A compensation that fails after its own retries is recorded and the saga continues: the
        // remaining undo steps are independent and must still run.
        const failure = asStepFailure(id, err);
        record.state = 'compensation-failed';
        record.endedAt = nowIso();
        record.error = { code: failure.code, message: failure.message };
      }
    }
    completed.length = 0;
  }

  async function runOnError(errorEnvelope: Envelope): Promise<void> {
    for (const handler of plan.onError ?? []) {
      const record = begin(handler.id, 'on-error');
      try {
        const out = await runGear(handler, errorEnvelope, handler.id, 'on-error');
        finish(record, out[0]?.port, out[0]?.envelope.id);
      } catch (err) {
        if (isCancellation(err)) throw err;
        const failure = asStepFailure(handler.id, err);
        record.state = 'failed';
        record.endedAt = nowIso();
        record.error = { code: failure.code, message: failure.message };
      }
    }
  }

  async function runGear(
    step: GearInvocation,
    message: Envelope,
    stepKey: string,
    role: 'step' | 'compensation' | 'on-error',
  ): Promise<StepOutput[]> {
    const activities = activitiesFor(step, stepKey);
    const withKey: Envelope = {
      ...message,
      headers: { ...message.headers, [IDEMPOTENCY_HEADER]: `${info.workflowId}/${stepKey}` },
    };
    const result = await activities.runGearStep({
      scenario: plan.scenario,
      stepId: role === 'step' ? step.id : stepKey,
      gearType: step.gear,
      config: step.config ?? {},
      port: step.port ?? DEFAULT_PORT,
      ...(step.take === undefined ? {} : { take: step.take }),
      ...(step.before === undefined ? {} : { before: step.before }),
      envelope: withKey,
    });
    return result;
  }

  async function waitFor(step: WaitStep): Promise<FlowSignal | undefined> {
    const rejects = step.reject ?? [];
    const wanted = new Set([...step.accept, ...rejects]);
    let got: FlowSignal | undefined;
    const take = (): boolean => {
      const at = inbox.findIndex((s) => wanted.has(s.name));
      if (at < 0) return false;
      got = inbox.splice(at, 1)[0];
      return true;
    };
    let arrived = true;
    if (step.timeout === undefined) await condition(take);
    else arrived = await condition(take, step.timeout);
    if (!arrived || got === undefined) {
      if (step.onTimeout === 'continue') return undefined;
      throw new StepFailed(step.id, FLOW_WAIT_TIMEOUT, `no ${step.accept.join('|')} signal within ${step.timeout}`);
    }
    if (rejects.includes(got.name)) {
      throw new StepFailed(step.id, FLOW_REJECTED, `rejected by signal ${got.name}`);
    }
    return got;
  }

  async function waitForReply(step: RequestStep): Promise<Envelope> {
    const name = step.replySignal ?? 'reply';
    let reply: Envelope | undefined;
    const take = (): boolean => {
      const at = inbox.findIndex((s) => s.name === name);
      if (at < 0) return false;
      const signal = inbox.splice(at, 1)[0];
      reply = signal?.payload as Envelope;
      return true;
    };
    const arrived = await condition(take, step.replyTimeout);
    if (!arrived || reply === undefined) {
      throw new StepFailed(step.id, FLOW_REPLY_TIMEOUT, `no ${name} within ${step.replyTimeout}`);
    }
    return reply;
  }

  function errorEnvelopeFor(failure: StepFailed, parent: Envelope): Envelope {
    return {
      id: `${info.workflowId}/error`,
      type: 'fluxrig.flow.error',
      source: `flow/${plan.flow}/step/${failure.step}`,
      time: nowIso(),
      datacontenttype: 'application/cbor',
      data: { step: failure.step, code: failure.code, message: failure.message, input: parent.data },
      scenario: plan.scenario,
      gear: failure.step,
      port: ERROR_PORT,
      ...(parent.key === undefined ? {} : { key: parent.key }),
      ...(parent.subject === undefined ? {} : { subject: parent.subject }),
      ...(parent.traceparent === undefined ? {} : { traceparent: parent.traceparent }),
      headers: { ...parent.headers, 'error-code': failure.code, 'error-step': failure.step },
    };
  }
}

/**
 * Activity proxy for one step call. The activity id is the step key (`charge`, `undo-a@a`): every gear
 * step runs the same activity type, so without a meaningful id the replayer could not tell that two
 * steps swapped places; with it, reordering steps or compensations is a determinism violation.
 */
function activitiesFor(step: GearInvocation, stepKey: string): GearActivities {
  const options: ActivityOptions & LocalActivityOptions = {
    activityId: stepKey,
    startToCloseTimeout: step.timeout ?? DEFAULT_STEP_TIMEOUT,
    retry: retryPolicyOf(step.retry),
    // Local activities have no heartbeats (they run inside the workflow task's worker).
    ...(step.heartbeat === undefined || step.local === true ? {} : { heartbeatTimeout: step.heartbeat }),
  };
  return step.local === true ? proxyLocalActivities<GearActivities>(options) : proxyActivities<GearActivities>(options);
}

function retryPolicyOf(retry: StepRetryPolicy | undefined): ActivityOptions['retry'] {
  if (retry === undefined) return undefined;
  return {
    ...(retry.initialInterval === undefined ? {} : { initialInterval: retry.initialInterval }),
    ...(retry.backoff === undefined ? {} : { backoffCoefficient: retry.backoff }),
    ...(retry.maximumInterval === undefined ? {} : { maximumInterval: retry.maximumInterval }),
    // 0 = unlimited: Temporal's TS SDK wants the field absent for that (it rejects 0).
    ...(retry.maxAttempts === undefined || retry.maxAttempts === 0 ? {} : { maximumAttempts: retry.maxAttempts }),
    ...(retry.nonRetryable === undefined ? {} : { nonRetryableErrorTypes: retry.nonRetryable }),
  } as ActivityOptions['retry'];
}

/** The envelope that feeds the next step: the `take` port's first output, else the first non-error one. */
function pickNext(step: GearInvocation, outputs: StepOutput[]): StepOutput | undefined {
  const chosen =
    step.take === undefined ? outputs.find((o) => o.port !== ERROR_PORT) : outputs.find((o) => o.port === step.take);
  if (chosen !== undefined) return chosen;
  const routedError = outputs.find((o) => o.port === ERROR_PORT);
  if (routedError !== undefined) {
    // The activity already fails attempts that only reach the error port; this guards results of
    // steps whose `take` port is absent while other ports answered.
    const code = routedError.envelope.headers?.['error-code'] ?? 'GEAR_ERROR_PORT';
    throw new StepFailed(step.id, code, `gear ${step.gear} emitted on its error port`);
  }
  return undefined;
}

function asStepFailure(step: string, err: unknown): StepFailed {
  if (err instanceof StepFailed) return err;
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return new StepFailed(step, err.cause.type ?? 'GEAR_FAILED', err.cause.message);
  }
  if (err instanceof ActivityFailure) {
    // Timeouts and other server-side failures: the cause names them (e.g. TimeoutFailure).
    return new StepFailed(step, 'STEP_FAILED', err.cause?.message ?? err.message);
  }
  if (err instanceof ApplicationFailure) return new StepFailed(step, err.type ?? 'GEAR_FAILED', err.message);
  throw err;
}

function withSignal(envelope: Envelope, step: WaitStep, signal: FlowSignal | undefined): Envelope {
  const headers = { ...envelope.headers, 'fluxrig-signal': signal?.name ?? 'timeout' };
  const data = envelope.data;
  if (signal !== undefined && step.into !== undefined && isPlainObject(data)) {
    return { ...envelope, headers, data: { ...data, [step.into]: signal.payload ?? null } };
  }
  return { ...envelope, headers };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function signalNamesOf(steps: FlowStep[]): Set<string> {
  const names = new Set<string>();
  for (const step of steps) {
    if (step.kind === 'wait') for (const n of [...step.accept, ...(step.reject ?? [])]) names.add(n);
    if (step.kind === 'request') names.add(step.replySignal ?? 'reply');
  }
  names.delete(FLOW_SIGNAL_NAME);
  return names;
}

/** Schedules start flows from a template envelope with an empty id; give each run its own identity. */
function stampScheduledEnvelope(envelope: Envelope, workflowId: string): Envelope {
  if (envelope.id !== '') return envelope;
  return { ...envelope, id: workflowId, time: nowIso() };
}

/** Workflow time: deterministic inside the sandbox (the task's start time), replay-safe. */
function nowIso(): string {
  return new Date().toISOString();
}
