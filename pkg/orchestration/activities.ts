/**
 * The one generic activity every durable step runs: `runGearStep` looks the gear type up in the
 * catalogue, builds an instance with a GearContext whose `emit` collects outputs, delivers the envelope
 * to the input port and returns what came out. The same gear code therefore runs inline on a rack and
 * as a workflow step (DESIGN §4).
 *
 * Failures cross into Temporal as ApplicationFailure whose `type` is the gear's RigError code, so a
 * step's `nonRetryable` list (Temporal's nonRetryableErrorTypes) matches the codes gears document.
 * The activity attempt number (1-based) is written to `envelope.attempt`, so a gear can tell a first
 * send from a repeat (e.g. ISO 8583 0400 vs 0401). This module must never decide retry or routing
 * policy: that belongs to the plan and the workflow.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Sonyflake } from 'sonyflake';
import { RigError, isRigError } from '../errors/index.ts';
import type { GearContext, GearDescriptor, GearLogger } from '../gear/descriptor.ts';
import { envelopeFactory } from '../gear/envelopes.ts';
import type { Envelope } from '../wire/envelope.ts';
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
  const nextId = options.nextId ?? defaultIdGenerator();

  return {
    async runGearStep(request) {
      const descriptor = byType.get(request.gearType);
      if (descriptor === undefined) {
        throw ApplicationFailure.create({
          type: 'GEAR_UNKNOWN',
          message: `gear type ${request.gearType} is not in this worker's catalogue`,
          nonRetryable: true,
        });
      }
      const activity = Context.current();
      const outputs: StepOutput[] = [];
      const envelope: Envelope = { ...request.envelope, attempt: activity.info.attempt };
      const context: GearContext = {
        scenario: request.scenario,
        gearId: request.stepId,
        log: options.log ?? activityLogger(activity),
        signal: activity.cancellationSignal,
        envelope: envelopeFactory({
          nextId,
          scenario: request.scenario,
          gearId: request.stepId,
          sourcePrefix: options.sourcePrefix,
        }),
        async emit(port, message) {
          outputs.push({ port, envelope: { ...message, port } });
        },
      };
      try {
        const config = parseConfig(descriptor, request);
        const instance = descriptor.create(config, context);
        if (!instance.handle) {
          throw new RigError('GEAR_NOT_A_PROCESSOR', `gear ${descriptor.type} has no handle(): it cannot run as a step`);
        }
        try {
          await instance.handle(request.port, envelope);
        } finally {
          await instance.stop?.();
        }
      } catch (err) {
        throw toApplicationFailure(err);
      }
      return outputs;
    },
  };
}

function parseConfig(descriptor: GearDescriptor, request: GearStepRequest): unknown {
  const parsed = descriptor.config.safeParse(request.config);
  if (parsed.success) return parsed.data;
  throw new RigError('GEAR_CONFIG_INVALID', `step ${request.stepId}: ${parsed.error.message}`, {
    where: `step ${request.stepId} (${descriptor.type}).config`,
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
