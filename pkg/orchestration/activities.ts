/**
 * The one generic activity every durable step runs: `runGearStep` looks the gear type up in the
 * catalogue, builds an instance with a GearContext whose `emit` collects outputs, delivers the envelope
 * to the input port and returns what came out. The same gear code therefore runs inline on a rack and
 * as a workflow step (DESIGN §4).
 *
 * Failures cross into Temporal as ApplicationFailure whose `type` is the gear's RigError code, so a
 * step's `nonRetryable` list (Temporal's nonRetryableErrorTypes) matches the codes gears document.
 * The activity attempt number (1-based) is written to `envelope.attempt` and to the `fluxrig-attempt`
 * header (JSONata expressions see headers), so a gear can tell a first send from a repeat (ISO 8583
 * 0400 vs 0401). An answer on the gear's error port (and none on the port the step takes) fails the
 * attempt with the gear's error code, so the step's retry policy applies to routed errors too.
 * This module must never decide retry or routing policy: that belongs to the plan and the workflow.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Sonyflake } from 'sonyflake';
import { RigError, isRigError } from '../errors/index.ts';
import { ERROR_PORT } from '../gear/descriptor.ts';
import type { GearContext, GearDescriptor, GearLogger } from '../gear/descriptor.ts';
import { envelopeFactory } from '../gear/envelopes.ts';
import type { Envelope } from '../wire/envelope.ts';
import { ATTEMPT_HEADER } from './plan.ts';
import type { GearStepRequest, StepOutput } from './plan.ts';

export interface GearActivities {
  runGearStep(request: GearStepRequest): Promise<StepOutput[]>;
}

export interface GearActivityOptions {
  /** Gear descriptors the worker can run (the product passes `gearCatalogue`). */
  catalogue: readonly GearDescriptor[];
  /** `rack/<name>`: source prefix of envelopes gears create. */
  sourcePrefix: string;
  /** Envelope id generator (Sonyflake decimal strings by default). */
  nextId?: () => string;
  /** Logger gears receive; default forwards to Temporal's activity logger. */
  log?: GearLogger;
}

export function createGearActivities(options: GearActivityOptions): GearActivities {
  const byType = new Map<string, GearDescriptor>();
  for (const descriptor of options.catalogue) byType.set(descriptor.type, descriptor);
  // A gear instance lives for one attempt (create → start → handle → stop): simple and isolation-safe;
  // gears with costly start-up (connections) pay it per step. A per-config instance pool would remove that.
  const nextId = options.nextId ?? defaultIdGenerator();

  return {
    async runGearStep(request) {
      const activity = Context.current();
      const attempt = activity.info.attempt;
      const log = options.log ?? activityLogger(activity);
      // Heartbeats come from this wrapper, not from gears: they say "the worker process is alive",
      // which is what a heartbeat timeout is for here (a hung gear is caught by the step timeout).
      const heartbeatMs = activity.info.heartbeatTimeoutMs ?? 0;
      const beat = heartbeatMs > 0 ? setInterval(() => activity.heartbeat(), Math.max(100, heartbeatMs / 3)) : undefined;
      let envelope: Envelope = {
        ...request.envelope,
        attempt,
        headers: { ...request.envelope.headers, [ATTEMPT_HEADER]: String(attempt) },
      };
      try {
        // `before` gears (pure) shape the message inside the same attempt, e.g. 0400 vs 0401 by attempt.
        for (const [index, stage] of (request.before ?? []).entries()) {
          const stageId = `${request.stepId}.before${index}`;
          const outputs = await runOneGear(byType, stage.gear, stage.config, stage.port ?? 'in', envelope, {
            scenario: request.scenario,
            gearId: stageId,
            log,
            signal: activity.cancellationSignal,
            nextId,
            sourcePrefix: options.sourcePrefix,
          });
          const next = outputs.find((o) => o.port !== ERROR_PORT);
          if (next === undefined) throw errorPortFailure(stageId, stage.gear, outputs);
          envelope = { ...next.envelope, attempt, headers: { ...next.envelope.headers, [ATTEMPT_HEADER]: String(attempt) } };
        }
        const outputs = await runOneGear(byType, request.gearType, request.config, request.port, envelope, {
          scenario: request.scenario,
          gearId: request.stepId,
          log,
          signal: activity.cancellationSignal,
          nextId,
          sourcePrefix: options.sourcePrefix,
        });
        const wanted = request.take === undefined ? outputs.some((o) => o.port !== ERROR_PORT) : outputs.some((o) => o.port === request.take);
        if (!wanted && outputs.some((o) => o.port === ERROR_PORT)) throw errorPortFailure(request.stepId, request.gearType, outputs);
        return outputs;
      } catch (err) {
        throw toApplicationFailure(err);
      } finally {
        if (beat !== undefined) clearInterval(beat);
      }
    },
  };
}

interface RunContext {
  scenario: string;
  gearId: string;
  log: GearLogger;
  signal: AbortSignal;
  nextId: () => string;
  sourcePrefix: string;
}

/**
 * One gear, one message, full lifecycle: create, start() (e.g. open the issuer connection), handle(),
 * stop(). By the gear contract stop() finishes in-flight work, so asynchronous answers (a response
 * matched later on a socket) are emitted before it resolves and are part of the result.
 */
async function runOneGear(
  byType: ReadonlyMap<string, GearDescriptor>,
  gearType: string,
  rawConfig: unknown,
  port: string,
  envelope: Envelope,
  run: RunContext,
): Promise<StepOutput[]> {
  const descriptor = byType.get(gearType);
  if (descriptor === undefined) {
    throw ApplicationFailure.create({
      type: 'GEAR_UNKNOWN',
      message: `gear type ${gearType} is not in this worker's catalogue`,
      nonRetryable: true,
    });
  }
  const outputs: StepOutput[] = [];
  const context: GearContext = {
    scenario: run.scenario,
    gearId: run.gearId,
    log: run.log,
    signal: run.signal,
    envelope: envelopeFactory({ nextId: run.nextId, scenario: run.scenario, gearId: run.gearId, sourcePrefix: run.sourcePrefix }),
    async emit(outPort, message) {
      outputs.push({ port: outPort, envelope: { ...message, port: outPort } });
    },
    // The flow decides after the step where each port's output goes, so every port may matter.
    wired: () => true,
  };
  const config = parseConfig(descriptor, rawConfig, run.gearId);
  const instance = descriptor.create(config, context);
  if (!instance.handle) {
    throw new RigError('GEAR_NOT_A_PROCESSOR', `gear ${descriptor.type} has no handle(): it cannot run as a step`);
  }
  let started = false;
  try {
    await instance.start?.();
    started = true;
    await instance.handle(port, envelope);
  } finally {
    // stop() also releases what a failed start() opened; its own failure must not hide the first one.
    if (started) await instance.stop?.();
    else await instance.stop?.().catch((stopError: unknown) => run.log.warn({ err: String(stopError) }, 'gear stop after failed start'));
  }
  return outputs;
}

/**
 * A gear that answered on its error port instead of `out`: an ApplicationFailure whose type is the
 * error code the gear gave (headers `error-code` / `fluxrig-error-code`, else its short `reason`
 * upper-cased, e.g. `timeout` -> TIMEOUT), so the step's retry policy decides whether to try again.
 */
function errorPortFailure(stepId: string, gearType: string, outputs: StepOutput[]): ApplicationFailure {
  const routed = outputs.find((o) => o.port === ERROR_PORT);
  const headers = routed?.envelope.headers ?? {};
  const code = errorCodeOf(headers);
  const why = headers.error ?? headers['fluxrig-error-message'] ?? headers.reason ?? 'no reason given';
  return ApplicationFailure.create({
    type: code,
    message: `step ${stepId}: gear ${gearType} emitted on its error port (${why})`,
  });
}

export function errorCodeOf(headers: Readonly<Record<string, string>>): string {
  const explicit = headers['error-code'] ?? headers['fluxrig-error-code'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const reason = headers.reason;
  if (reason !== undefined && reason !== '') return reason.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return 'GEAR_ERROR_PORT';
}

function parseConfig(descriptor: GearDescriptor, raw: unknown, gearId: string): unknown {
  const parsed = descriptor.config.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new RigError('GEAR_CONFIG_INVALID', `step ${gearId}: ${parsed.error.message}`, {
    where: `step ${gearId} (${descriptor.type}).config`,
  });
}

/** Config errors and gears' own "never retry" codes end the retries at once; everything else retries. */
const ALWAYS_NON_RETRYABLE = new Set(['GEAR_CONFIG_INVALID', 'GEAR_NOT_A_PROCESSOR']);

function toApplicationFailure(err: unknown): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (isRigError(err)) {
    return ApplicationFailure.create({
      type: err.code,
      message: err.message,
      nonRetryable: ALWAYS_NON_RETRYABLE.has(err.code),
      details: err.details === undefined ? [] : [err.details],
      cause: err,
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ type: 'GEAR_FAILED', message: error.message, cause: error });
}

function activityLogger(activity: Context): GearLogger {
  const at =
    (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') =>
    (entry: Record<string, unknown> | string, message?: string): void => {
      if (typeof entry === 'string') activity.log[level](entry);
      else activity.log[level](message ?? '', entry);
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function defaultIdGenerator(): () => string {
  const flake = new Sonyflake();
  return () => flake.nextId();
}
