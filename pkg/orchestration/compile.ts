/**
 * From a scenario's `flows:` entry marked `durable: true` to the FlowPlan the workflow runs: each step's
 * gear id resolves to that gear's type and config, `compensate: <gear id>` becomes a compensation entry,
 * retry/timeout map onto the plan's policy, and gears the catalogue marks pure run as local activities.
 * What comes out has passed validateFlowPlan, so starts never re-validate on the hot path.
 * Never starts anything; the rack decides when and where (triggers, task queue).
 */
import { RigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import type { RetryOptions, Scenario, ScenarioFlow } from '../scenario/model.ts';
import type { FlowPlan, FlowStep, GearInvocation, StepRetryPolicy } from './plan.ts';
import { validateFlowPlan } from './plan-schema.ts';

export interface CompiledFlow {
  plan: FlowPlan;
  /** One workflow per message (dedup by envelope id) or per envelope key. */
  per: 'message' | 'key';
  trigger: ScenarioFlow['trigger'];
}

export function compileScenarioFlow(scenario: Scenario, flowId: string, catalogue?: readonly GearDescriptor[]): CompiledFlow {
  const flow = scenario.flows.find((f) => f.id === flowId);
  const where = `scenario ${scenario.id} flows.${flowId}`;
  if (flow === undefined) {
    throw new RigError('FLOW_UNKNOWN', `scenario ${scenario.id} has no flow ${flowId}`, {
      where,
      details: { flows: scenario.flows.map((f) => f.id) },
    });
  }
  if (!flow.durable) {
    throw new RigError('FLOW_NOT_DURABLE', `flow ${flowId} is not marked durable: it runs inline on the rack`, {
      where,
      hint: 'set `durable: true` on the flow to run it as a Temporal workflow',
      exitCode: 2,
    });
  }
  const gears = new Map(scenario.gears.map((g) => [g.id, g]));
  const pure = new Map((catalogue ?? []).map((d) => [d.type, d.pure]));
  const invocationOf = (gearId: string, path: string): Omit<GearInvocation, 'id'> => {
    const gear = gears.get(gearId);
    if (gear === undefined) throw new RigError('FLOW_PLAN_INVALID', `${path}: no gear "${gearId}" in scenario ${scenario.id}`, { where, exitCode: 2 });
    return { gear: gear.type, config: gear.config, ...(pure.get(gear.type) === true ? { local: true } : {}) };
  };

  const seen = new Map<string, number>();
  const compensations = new Map<string, GearInvocation>();
  const steps: FlowStep[] = flow.steps.map((step, index) => {
    const count = (seen.get(step.gear) ?? 0) + 1;
    seen.set(step.gear, count);
    const id = count === 1 ? step.gear : `${step.gear}.${count}`;
    if (step.compensate !== undefined && !compensations.has(step.compensate)) {
      compensations.set(step.compensate, { id: step.compensate, ...invocationOf(step.compensate, `steps.${index}.compensate`) });
    }
    return {
      kind: 'gear',
      id,
      ...invocationOf(step.gear, `steps.${index}.gear`),
      timeout: step.timeout,
      ...(step.retry === undefined ? {} : { retry: retryOf(step.retry) }),
      ...(step.compensate === undefined ? {} : { compensate: step.compensate }),
    };
  });
  const plan: FlowPlan = {
    flow: flow.id,
    scenario: scenario.id,
    steps,
    ...(compensations.size === 0 ? {} : { compensations: [...compensations.values()] }),
  };
  return { plan: validateFlowPlan(plan, catalogue), per: flow.workflow_per, trigger: flow.trigger };
}

function retryOf(retry: RetryOptions): StepRetryPolicy {
  return {
    initialInterval: retry.initial_interval,
    backoff: retry.backoff,
    ...(retry.max_interval === undefined ? {} : { maximumInterval: retry.max_interval }),
    maxAttempts: retry.max_attempts,
    ...(retry.non_retryable.length === 0 ? {} : { nonRetryable: retry.non_retryable }),
  };
}
