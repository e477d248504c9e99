/**
 * The scenario model: what a scenario file may say, as one zod schema. The same schema validates files
 * and REST bodies and is published as JSON Schema (configs/scenario.schema.json), so the format is
 * declared once. Graph rules that need the gear catalogue (types, ports, cycles) live in graph.ts.
 */
import { z } from 'zod';

/** Ids become NATS subject tokens and Temporal workflow ids: keep them to a safe alphabet. */
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 characters of letters, digits, "_" or "-", starting with a letter or digit');

/** `gear.port`, e.g. `parse.out`. */
const portRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*\.[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must look like "<gear>.<port>", e.g. "parse.out"');

/** Durations as `250ms`, `5s`, `2m`, `1h` (Temporal accepts the same strings). */
export const duration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/, 'must be a duration such as "250ms", "5s", "2m" or "1h"');

const labels = z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'label names are letters, digits, "_", "." or "-"'), z.string());

export const placementSchema = z.strictObject({
  /** A rack takes the work only if its labels include all of these. */
  labels: labels.default({}),
});

export const gearSchema = z.strictObject({
  id: identifier,
  type: z.string().min(1),
  summary: z.string().optional(),
  /** Gear-specific config, validated against the gear's own schema from the catalogue. */
  config: z.record(z.string(), z.unknown()).default({}),
  /** Overrides the scenario-level placement for this gear. */
  placement: placementSchema.optional(),
  /** Messages this gear handles at once per input port on a rack (default: the rack's setting). */
  concurrency: z.number().int().min(1).max(4096).optional(),
});

export const wireSchema = z.strictObject({
  /** Name of the wire; becomes the last token of `fluxrig.data.<scenario>.<wire>`. Derived when absent. */
  id: identifier.optional(),
  from: portRef,
  to: portRef,
});

export const retrySchema = z.strictObject({
  initial_interval: duration.default('1s'),
  backoff: z.number().min(1).max(100).default(2),
  max_interval: duration.optional(),
  max_attempts: z.number().int().min(1).max(10_000).default(5),
  /** Error codes (RigError.code) that must not be retried. */
  non_retryable: z.array(z.string()).default([]),
});

export const flowStepSchema = z.strictObject({
  /** The gear (by id) this step runs. */
  gear: identifier,
  retry: retrySchema.optional(),
  timeout: duration.default('30s'),
  /** Gear id that undoes this step; compensations run in reverse order when a later step fails. */
  compensate: identifier.optional(),
});

export const triggerSchema = z
  .strictObject({
    /** Start one run per message arriving on this wire of the scenario. */
    wire: identifier.optional(),
    /** Start one run per message on this NATS subject. */
    subject: z.string().optional(),
    /** Cron spec (Temporal Schedules), e.g. "*\/5 * * * *". */
    cron: z.string().optional(),
    /** Allow `rig flow start`. */
    manual: z.boolean().default(false),
  })
  .refine((t) => t.wire !== undefined || t.subject !== undefined || t.cron !== undefined || t.manual, {
    message: 'a trigger needs at least one of wire, subject, cron or manual: true',
  });

export const flowSchema = z.strictObject({
  id: identifier,
  /** Durable flows run as Temporal workflows; others run inline on the rack's hot path. */
  durable: z.boolean().default(false),
  trigger: triggerSchema.optional(),
  /** Envelope field that keys one workflow per value (e.g. `key`); default one workflow per message. */
  workflow_per: z.enum(['message', 'key']).default('message'),
  steps: z.array(flowStepSchema).min(1),
});

export const scenarioSchema = z.strictObject({
  id: identifier,
  name: z.string().optional(),
  description: z.string().optional(),
  placement: placementSchema.default({ labels: {} }),
  gears: z.array(gearSchema).min(1, 'a scenario needs at least one gear'),
  wires: z.array(wireSchema).default([]),
  flows: z.array(flowSchema).default([]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioGear = z.infer<typeof gearSchema>;
export type ScenarioWire = z.infer<typeof wireSchema>;
export type ScenarioFlow = z.infer<typeof flowSchema>;
export type FlowStep = z.infer<typeof flowStepSchema>;
export type RetryOptions = z.infer<typeof retrySchema>;

/** The wire's subject token: its id, or `<fromGear>-<fromPort>--<toGear>-<toPort>` when unnamed. */
export function wireName(wire: ScenarioWire): string {
  if (wire.id) return wire.id;
  return `${wire.from.replace('.', '-')}--${wire.to.replace('.', '-')}`;
}

export function splitPortRef(ref: string): { gear: string; port: string } {
  const dot = ref.indexOf('.');
  return { gear: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** Milliseconds of a duration string accepted by `duration`. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
