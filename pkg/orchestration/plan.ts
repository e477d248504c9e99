/**
 * The flow plan: what a durable flow does, as plain data. A scenario flow marked `durable: true` is
 * compiled into one FlowPlan; the workflow (workflows/durable-flow.ts) walks it step by step.
 *
 * This module holds TYPES and constants only: the workflow bundle imports it, so it must never import
 * anything with I/O, clocks, randomness or Node built-ins. Validation of untrusted plans lives in
 * plan-schema.ts (zod), which the workflow never imports.
 */
import type { Envelope } from '../wire/envelope.ts';

/** Temporal duration: milliseconds or an `ms`-style string such as `500ms`, `2s`, `5m`. */
export type Duration = number | string;

/** Per-step retry policy, mapped one-to-one onto Temporal's activity RetryPolicy. */
export interface StepRetryPolicy {
  /** First back-off interval (default 1s). */
  initialInterval?: Duration;
  /** Multiplier applied to the interval after each attempt (default 2). */
  backoff?: number;
  /** Cap on the interval between attempts (default 100 × initialInterval). */
  maximumInterval?: Duration;
  /** Total attempts including the first; 0 means unlimited (default 0, Temporal's default). */
  maxAttempts?: number;
  /** Error codes (RigError.code / ApplicationFailure.type) that must not be retried. */
  nonRetryable?: string[];
}

/** Fields shared by every step that runs a gear as an activity. */
export interface GearInvocation {
  /** Step id, unique inside the plan; also half of the step's idempotency key. */
  id: string;
  /** Gear type from the catalogue, e.g. `iso8583-build`. */
  gear: string;
  /** The gear's config block (validated by the gear's own zod schema inside the activity). */
  config?: unknown;
  /** Input port the envelope is delivered to (default `in`). */
  port?: string;
  /** Output port whose first envelope feeds the next step (default: first non-error output). */
  take?: string;
  retry?: StepRetryPolicy;
  /** Activity start-to-close timeout (default 30s). */
  timeout?: Duration;
  /**
   * Heartbeat timeout: the worker running the step heartbeats every third of it, so a step on a worker
   * that died is retried after this long instead of after `timeout`. Absent = no heartbeats.
   */
  heartbeat?: Duration;
  /** Run as a Temporal local activity; only for pure gears (checked when the plan is validated). */
  local?: boolean;
  /**
   * Pure gears run inside the same activity attempt before `gear`, each feeding the next (e.g. a
   * transform that builds 0400 or 0401 from the attempt number, then iso8583-client sends it).
   */
  before?: StageSpec[];
}

/** A gear run inside another step's activity. */
export interface StageSpec {
  gear: string;
  config?: unknown;
  port?: string;
}

/** Run a gear; its output feeds the next step. */
export interface GearStep extends GearInvocation {
  kind: 'gear';
  /** Id of an entry in `plan.compensations` to run if a LATER step fails (saga). */
  compensate?: string;
}

/** Wait for one of the named signals, up to a timeout. */
export interface WaitStep {
  kind: 'wait';
  id: string;
  /** Signal names that let the flow continue (e.g. `approve`). */
  accept: string[];
  /** Signal names that fail the flow and run compensations (e.g. `reject`). */
  reject?: string[];
  /** How long to wait; absent = forever. */
  timeout?: Duration;
  /** On timeout: fail (default, code FLOW_WAIT_TIMEOUT) or continue as if accepted. */
  onTimeout?: 'fail' | 'continue';
  /** If set and the envelope's data is a plain object, the signal payload is stored at data[into]. */
  into?: string;
}

/** Durable timer. */
export interface SleepStep {
  kind: 'sleep';
  id: string;
  duration: Duration;
}

/**
 * Request-reply: run a gear that sends a request (its outputs are ignored), then wait for a `reply`
 * signal (FlowSignal named `replySignal`, default `reply`) whose payload is the reply Envelope. The reply
 * feeds the next step. No reply within `replyTimeout` fails the step with FLOW_REPLY_TIMEOUT.
 */
export interface RequestStep extends GearInvocation {
  kind: 'request';
  replySignal?: string;
  replyTimeout: Duration;
  compensate?: string;
}

export type FlowStep = GearStep | WaitStep | SleepStep | RequestStep;

export interface FlowPlan {
  /** Flow name (scenario flow id); part of workflow ids and the `flow` search key. */
  flow: string;
  /** Scenario the flow belongs to; given to every gear's context. */
  scenario: string;
  steps: FlowStep[];
  /** Compensating gear steps, referenced by id from `GearStep.compensate`. */
  compensations?: GearInvocation[];
  /**
   * Gear steps run after compensation when the flow fails, fed with the error envelope (e.g. answer the
   * acquirer with a timeout response code). Their failure is recorded but does not mask the original one.
   */
  onError?: GearInvocation[];
}

/** Workflow input. */
export interface DurableFlowInput {
  plan: FlowPlan;
  /**
   * The triggering message. Schedules pass a template whose `id` is empty: the workflow then stamps it
   * with its workflow id and its (deterministic) start time, so every scheduled run has its own identity.
   */
  envelope: Envelope;
}

/** What the generic activity receives. */
export interface GearStepRequest {
  scenario: string;
  /** Gear id inside the scenario = step id (or compensation/onError id). */
  stepId: string;
  gearType: string;
  config: unknown;
  port: string;
  /** Output port the step takes; with it absent, any non-error output counts as success. */
  take?: string;
  before?: StageSpec[];
  envelope: Envelope;
}

/** One emitted message. */
export interface StepOutput {
  port: string;
  envelope: Envelope;
}

export type StepState = 'running' | 'completed' | 'failed' | 'compensated' | 'compensation-failed';

/** One line of the step history the `status` query returns. Times are workflow time (replay-safe). */
export interface StepRecord {
  step: string;
  kind: FlowStep['kind'] | 'compensation' | 'on-error';
  state: StepState;
  startedAt: string;
  endedAt?: string;
  /** Port of the envelope that fed the next step, or the signal name that resumed a wait. */
  port?: string;
  /** Envelope id that left the step (audit trail without payloads). */
  outputId?: string;
  error?: { code: string; message: string };
}

export type FlowState = 'running' | 'waiting' | 'compensating' | 'completed' | 'failed' | 'cancelled';

export interface FlowStatus {
  flow: string;
  state: FlowState;
  /** Step currently running or waited on. */
  current?: string;
  history: StepRecord[];
}

/** The result of a completed flow. */
export interface FlowResult {
  flow: string;
  /** Outputs of the last step that ran (empty if a gear dropped the message). */
  outputs: StepOutput[];
  history: StepRecord[];
}

/** Details carried by the FLOW_FAILED ApplicationFailure (and by RigError FLOW_FAILED on the client). */
export interface FlowFailure {
  flow: string;
  /** Step that failed. */
  step: string;
  code: string;
  message: string;
  /** The envelope on the flow's `error` port: data = { step, code, message }, parent = failing input. */
  error: Envelope;
  history: StepRecord[];
}

/** A signal sent to a running flow: `name` is matched against wait/request steps, payload is free. */
export interface FlowSignal {
  name: string;
  payload?: unknown;
}

/** Names registered on the Temporal side; stable: recorded histories depend on them. */
export const FLOW_WORKFLOW_TYPE = 'durableFlow';
export const FLOW_SIGNAL_NAME = 'flowSignal';
export const FLOW_STATUS_QUERY = 'flowStatus';
export const FLOW_FAILED = 'FLOW_FAILED';
export const FLOW_WAIT_TIMEOUT = 'FLOW_WAIT_TIMEOUT';
export const FLOW_REPLY_TIMEOUT = 'FLOW_REPLY_TIMEOUT';
export const FLOW_REJECTED = 'FLOW_REJECTED';
/** Header carrying `<workflowId>/<stepId>` on every envelope handed to a gear step. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Header carrying the activity attempt (1-based) as text, for expressions that cannot see `attempt`. */
export const ATTEMPT_HEADER = 'fluxrig-attempt';
/** Header naming the step a compensation undoes. */
export const COMPENSATES_HEADER = 'fluxrig-compensates';
