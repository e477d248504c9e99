/**
 * From a scenario's durable flow to the FlowPlan pkg/orchestration runs, and where that flow lives.
 *
 * - Gear references: a step's `gear` names a gear of the scenario by id (the step takes its type and
 *   config) or else a gear type of the catalogue (the step's inline `config` applies).
 * - Outputs: wires leaving `<flow>.out` / `<flow>.error` become one extra step / onError entry running
 *   the rack's internal `flow-output` gear, which publishes to those wires' subjects from inside the
 *   workflow: the hand-off is an activity with retries, deduplicated per workflow, so it survives a
 *   rack crash between the flow's end and the publish.
 * - `emit: <port>` on a step: the step itself becomes a `flow-output` invocation for that port, with
 *   the step's gear (pure, checked in flow-checks.ts) as the last of its `before` stages: one activity
 *   shapes the message and publishes it, under the step's id, retry policy and timeout.
 * - Placement: a flow triggered by a wire runs on the rack that runs the gear (or flow) feeding that
 *   wire; any other flow runs on the rack that runs the scenario's first gear. Every rack can tell from
 *   its own assignment alone, and exactly one rack owns each flow.
 *
 * Pure data in, data out: no I/O, never starts anything.
 */
import type { FlowPlan, FlowStep, GearInvocation, StageSpec } from '../orchestration/plan.ts';
import { FLOW_OUTPUT_PORTS, splitPortRef, wireName, type FlowOutputPort, type Scenario, type ScenarioFlow } from './model.ts';
import { dataSubject } from '../wire/subjects.ts';

/** Gear type of the rack's internal output gear (never in the public catalogue). */
export const FLOW_OUTPUT_GEAR = 'flow-output';
/** Step ids the compiler adds; scenario step ids may not start with `fluxrig.`. */
export const FLOW_OUTPUT_STEP = 'fluxrig.output';
export const FLOW_ERROR_STEP = 'fluxrig.error';
export const RESERVED_STEP_PREFIX = 'fluxrig.';
/** Input and output ports a flow has as a node of the wire graph. */
export const FLOW_INPUT_PORT = 'in';
export { FLOW_OUTPUT_PORTS };

/** The config of the internal output gear: the flow and port it speaks for, and every subject to publish to. */
export interface FlowOutputConfig {
  flow: string;
  port: FlowOutputPort;
  targets: { wire: string; subject: string }[];
}

/** `<scenario>.<flow>`: the plan's flow name, prefix of workflow ids and schedule ids. */
export function flowName(scenarioId: string, flowId: string): string {
  return `${scenarioId}.${flowId}`;
}

export type GearRef = { kind: 'gear'; gearId: string; type: string; config: unknown } | { kind: 'type'; type: string; config: unknown };

/** What a step's `gear` names: a scenario gear (by id), else a gear type with the step's inline config. */
export function resolveGearRef(scenario: Scenario, name: string, inlineConfig: unknown): GearRef {
  const gear = scenario.gears.find((candidate) => candidate.id === name);
  if (gear) return { kind: 'gear', gearId: gear.id, type: gear.type, config: gear.config };
  return { kind: 'type', type: name, config: inlineConfig };
}

/** The scenario's flow by id, or undefined. */
export function findFlow(scenario: Scenario, flowId: string): ScenarioFlow | undefined {
  return scenario.flows.find((flow) => flow.id === flowId);
}

/** Subjects of the wires leaving one port of a flow. */
export function flowPortTargets(scenario: Scenario, flowId: string, port: string): FlowOutputConfig['targets'] {
  return scenario.wires
    .filter((wire) => wire.from === `${flowId}.${port}`)
    .map((wire) => ({ wire: wireName(wire), subject: dataSubject(scenario.id, wireName(wire)) }));
}

/**
 * The FlowPlan of one flow: gear references resolved, outputs appended. Call on a scenario that passed
 * the graph checks (graph.ts); the result then passes validateFlowPlan with the rack's catalogue.
 */
export function flowPlanOf(scenario: Scenario, flow: ScenarioFlow): FlowPlan {
  const resolveInvocation = <T extends GearInvocation>(step: T & { emit?: FlowOutputPort }): T => {
    const { config: _inline, emit, ...rest } = step;
    const ref = resolveGearRef(scenario, step.gear, step.config);
    const resolved = { ...rest, gear: ref.type, ...(ref.config === undefined ? {} : { config: ref.config }) } as unknown as T;
    if (step.before !== undefined) resolved.before = step.before.map(resolveStage);
    return emit === undefined ? resolved : emitting(resolved, { flow: flow.id, port: emit, targets: flowPortTargets(scenario, flow.id, emit) });
  };
  const resolveStage = (stage: StageSpec): StageSpec => {
    const ref = resolveGearRef(scenario, stage.gear, stage.config);
    const { config: _inline, ...rest } = stage;
    return { ...rest, gear: ref.type, ...(ref.config === undefined ? {} : { config: ref.config }) };
  };
  const steps: FlowStep[] = flow.steps.map((step) => (step.kind === 'gear' || step.kind === 'request' ? resolveInvocation(step) : step));
  const onError = (flow.onError ?? []).map(resolveInvocation);
  const compensations = (flow.compensations ?? []).map(resolveInvocation);

  const outTargets = flowPortTargets(scenario, flow.id, 'out');
  if (outTargets.length > 0) steps.push({ kind: 'gear', ...outputInvocation(FLOW_OUTPUT_STEP, { flow: flow.id, port: 'out', targets: outTargets }) });
  const errorTargets = flowPortTargets(scenario, flow.id, 'error');
  if (errorTargets.length > 0) onError.push(outputInvocation(FLOW_ERROR_STEP, { flow: flow.id, port: 'error', targets: errorTargets }));

  return {
    flow: flowName(scenario.id, flow.id),
    scenario: scenario.id,
    steps,
    ...(compensations.length === 0 ? {} : { compensations }),
    ...(onError.length === 0 ? {} : { onError }),
  };
}

/**
 * A resolved step that emits: the flow-output gear publishing to `config`'s targets, after the step's
 * own stages and gear (now the last stage). Id, kind, retry, timeout, heartbeat and compensate stay.
 * `take` and `local` cannot apply to a stage (flow-checks.ts refuses them with `emit`).
 */
function emitting<T extends GearInvocation>(step: T, config: FlowOutputConfig): T {
  const { gear, config: gearConfig, port, before, take: _take, local: _local, ...kept } = step;
  const stage: StageSpec = { gear, ...(gearConfig === undefined ? {} : { config: gearConfig }), ...(port === undefined ? {} : { port }) };
  return { ...kept, gear: FLOW_OUTPUT_GEAR, config, before: [...(before ?? []), stage] } as unknown as T;
}

function outputInvocation(id: string, config: FlowOutputConfig): GearInvocation {
  return {
    id,
    gear: FLOW_OUTPUT_GEAR,
    config,
    // Publishing is idempotent (dedup key per workflow): retry until the bus takes it.
    retry: { initialInterval: '500ms', backoff: 2, maximumInterval: '10s', maxAttempts: 0 },
    timeout: '15s',
  };
}

/**
 * The gear whose rack owns a flow (see the module header), or undefined when the scenario has no gear
 * to anchor it (impossible for a valid scenario, which has at least one gear).
 */
export function flowAnchorGear(scenario: Scenario, flow: ScenarioFlow, seen: Set<string> = new Set()): string | undefined {
  const wire = flow.trigger.wire === undefined ? undefined : scenario.wires.find((candidate) => wireName(candidate) === flow.trigger.wire);
  if (wire !== undefined) {
    const from = splitPortRef(wire.from).gear;
    const upstreamFlow = findFlow(scenario, from);
    if (upstreamFlow === undefined) return from;
    // A flow fed by another flow's output lives with that flow (loops are refused by the graph check).
    if (!seen.has(from)) return flowAnchorGear(scenario, upstreamFlow, new Set([...seen, flow.id]));
  }
  return scenario.gears[0]?.id;
}

/** Flows of `scenario` whose anchor gear is among `gearIds` (the gears the mixer assigned a rack). */
export function flowsOwnedBy(scenario: Scenario, gearIds: readonly string[]): ScenarioFlow[] {
  const mine = new Set(gearIds);
  return scenario.flows.filter((flow) => {
    const anchor = flowAnchorGear(scenario, flow);
    return anchor !== undefined && mine.has(anchor);
  });
}

