/**
 * Validation of flow plans before a flow starts: shape (zod), unique step ids, compensation references,
 * gear types known to the catalogue and `local: true` only for pure gears. A plan that passes here
 * cannot fail inside the workflow for a reason the author could have seen up front.
 * Never imported by workflow code (zod and the catalogue stay out of the bundle).
 */
import { z } from 'zod';
import { RigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import type { FlowPlan } from './plan.ts';

const duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)$/, 'must be a duration such as "250ms", "5s", "2m"'),
]);
const stepId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'step ids are letters, digits, "_", "." or "-"');

const retry = z.strictObject({
  initialInterval: duration.optional(),
  backoff: z.number().min(1).optional(),
  maximumInterval: duration.optional(),
  maxAttempts: z.number().int().min(0).optional(),
  nonRetryable: z.array(z.string()).optional(),
});

const stage = z.strictObject({ gear: z.string().min(1), config: z.unknown().optional(), port: z.string().optional() });

const invocation = {
  id: stepId,
  gear: z.string().min(1),
  config: z.unknown().optional(),
  port: z.string().optional(),
  take: z.string().optional(),
  retry: retry.optional(),
  timeout: duration.optional(),
  heartbeat: duration.optional(),
  local: z.boolean().optional(),
  before: z.array(stage).optional(),
};

const gearInvocation = z.strictObject(invocation);
const step = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('gear'), ...invocation, compensate: stepId.optional() }),
  z.strictObject({
    kind: z.literal('request'),
    ...invocation,
    compensate: stepId.optional(),
    replySignal: z.string().min(1).optional(),
    replyTimeout: duration,
  }),
  z.strictObject({
    kind: z.literal('wait'),
    id: stepId,
    accept: z.array(z.string().min(1)).min(1),
    reject: z.array(z.string().min(1)).optional(),
    timeout: duration.optional(),
    onTimeout: z.enum(['fail', 'continue']).optional(),
    into: z.string().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('sleep'), id: stepId, duration }),
]);

export const flowPlanSchema = z.strictObject({
  flow: stepId,
  scenario: z.string().min(1),
  steps: z.array(step).min(1),
  compensations: z.array(gearInvocation).optional(),
  onError: z.array(gearInvocation).optional(),
});

/** Parse and check a plan; throws RigError FLOW_PLAN_INVALID listing every problem with its path. */
export function validateFlowPlan(input: unknown, catalogue?: readonly GearDescriptor[]): FlowPlan {
  const parsed = flowPlanSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(plan)'}: ${i.message}`);
    throw invalid(problems);
  }
  const plan = parsed.data as FlowPlan;
  const problems: string[] = [];
  const seen = new Set<string>();
  const compensationIds = new Set((plan.compensations ?? []).map((c) => c.id));
  const gears = catalogue === undefined ? undefined : new Map(catalogue.map((g) => [g.type, g]));
  const checkGear = (path: string, gear: string, local: boolean | undefined, before?: { gear: string }[]): void => {
    if (gears === undefined) return;
    const descriptor = gears.get(gear);
    if (descriptor === undefined) problems.push(`${path}.gear: unknown gear type "${gear}"`);
    else if (local === true && !descriptor.pure) problems.push(`${path}.local: gear "${gear}" is not pure, it cannot run as a local activity`);
    for (const [i, stage] of (before ?? []).entries()) {
      const staged = gears.get(stage.gear);
      if (staged === undefined) problems.push(`${path}.before.${i}.gear: unknown gear type "${stage.gear}"`);
      else if (!staged.pure) problems.push(`${path}.before.${i}.gear: gear "${stage.gear}" is not pure, it cannot run before another gear`);
    }
  };
  plan.steps.forEach((s, i) => {
    if (seen.has(s.id)) problems.push(`steps.${i}.id: duplicate step id "${s.id}"`);
    seen.add(s.id);
    if (s.kind === 'gear' || s.kind === 'request') {
      checkGear(`steps.${i}`, s.gear, s.local, s.before);
      if (s.compensate !== undefined && !compensationIds.has(s.compensate)) {
        problems.push(`steps.${i}.compensate: no compensation with id "${s.compensate}"`);
      }
    }
  });
  for (const [i, c] of (plan.compensations ?? []).entries()) checkGear(`compensations.${i}`, c.gear, c.local, c.before);
  for (const [i, c] of (plan.onError ?? []).entries()) checkGear(`onError.${i}`, c.gear, c.local, c.before);
  if (problems.length > 0) throw invalid(problems);
  return plan;
}

function invalid(problems: string[]): RigError {
  return new RigError('FLOW_PLAN_INVALID', `invalid flow plan:\n  ${problems.join('\n  ')}`, {
    exitCode: 2,
    details: { problems },
  });
}
