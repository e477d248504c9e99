/**
 * Graph checks of a scenario's durable flows, each problem at its key path (file:line:col through
 * `report`): gear references resolve to a scenario gear or a catalogue type (with did-you-mean), inline
 * configs pass the gear's schema, a gear referenced by id carries no second config, `local` and
 * `before` only use pure gears, compensation ids exist, step ids are unique and not reserved, trigger
 * wires exist and a wire into `<flow>.in` is that flow's trigger, and a step that `emit`s runs a pure
 * gear, neither `local` nor with `take`, to a port some wire leaves. Only reports: never changes the
 * scenario.
 */
import { didYouMean } from '../text/suggest.ts';
import { RESERVED_STEP_PREFIX, flowName } from './flow-plan.ts';
import type { Catalogue } from './graph.ts';
import { splitPortRef, wireName, type FlowOutputPort, type Scenario, type ScenarioFlow } from './model.ts';

type Report = (path: ReadonlyArray<PropertyKey>, message: string, hint?: string) => void;

/** Longest plan flow name (`<scenario>.<flow>`) a workflow id prefix may have (plan-schema's step id rule). */
const MAX_FLOW_NAME = 63;

interface InvocationLike {
  gear: string;
  config?: unknown;
  local?: boolean;
  take?: string;
  emit?: FlowOutputPort;
  before?: { gear: string; config?: unknown }[];
}

export function checkFlows(scenario: Scenario, catalogue: Catalogue, report: Report): void {
  const gearIds = new Set(scenario.gears.map((gear) => gear.id));
  const wireIds = new Set(scenario.wires.map(wireName));
  const flowIds = new Set<string>();
  const candidates = () => [...gearIds, ...catalogue.keys()];

  /** Checks one `gear` reference (step, compensation, onError, stage) at `path`; `flowId` owns its `emit`. */
  const checkGear = (path: PropertyKey[], invocation: InvocationLike, stage = false, flowId?: string): void => {
    if (invocation.emit !== undefined && flowId !== undefined) checkEmit(path, invocation, flowId);
    const byId = scenario.gears.find((gear) => gear.id === invocation.gear);
    const type = byId?.type ?? invocation.gear;
    if (byId && invocation.config !== undefined) {
      report([...path, 'config'], `gear "${byId.id}" already has its config in gears[]`, 'drop this config, or name a gear type instead of a gear id to configure the step inline');
    }
    const descriptor = catalogue.get(type);
    if (!descriptor) {
      if (!byId) report([...path, 'gear'], `"${invocation.gear}" is neither a gear of this scenario nor a gear type`, didYouMean(invocation.gear, candidates()));
      return; // an unknown type of a scenario gear is reported at gears[]
    }
    if (!byId) {
      const parsed = descriptor.config.safeParse(invocation.config ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) report([...path, 'config', ...issue.path], issue.message);
      }
    }
    if (stage && !descriptor.pure) report([...path, 'gear'], `gear type "${type}" is not pure: it cannot run before another gear inside one step`);
    if (invocation.emit !== undefined && !descriptor.pure) {
      report([...path, 'emit'], `gear type "${type}" is not pure: a step that emits runs its gear inside the publishing activity`, 'emit from a pure gear (e.g. a transform) in a step of its own');
    }
    if (invocation.local === true && !descriptor.pure) report([...path, 'local'], `gear type "${type}" is not pure: it cannot run as a local activity`);
    for (const [index, before] of (invocation.before ?? []).entries()) checkGear([...path, 'before', index], before, true);
  };

  /** `emit` needs somewhere to go and a plain single output: no local activity, no `take`. */
  const checkEmit = (path: PropertyKey[], invocation: InvocationLike, flowId: string): void => {
    const port = invocation.emit as FlowOutputPort;
    if (!scenario.wires.some((wire) => wire.from === `${flowId}.${port}`)) {
      report([...path, 'emit'], `no wire leaves ${flowId}.${port}: nothing would receive what this step emits`, `add a wire from ${flowId}.${port}, e.g. to a reply port`);
    }
    if (invocation.local === true) report([...path, 'local'], 'a step that emits publishes to the bus: it cannot run as a local activity');
    if (invocation.take !== undefined) report([...path, 'take'], 'a step that emits publishes the first output of its gear: it cannot take a port', 'drop take, or pick the port in a step of its own');
  };

  scenario.flows.forEach((flow, index) => {
    const at = (...path: PropertyKey[]) => ['flows', index, ...path];
    if (flowIds.has(flow.id)) report(at('id'), `duplicate flow id "${flow.id}"`);
    flowIds.add(flow.id);
    if (gearIds.has(flow.id)) report(at('id'), `flow id "${flow.id}" is also a gear id`, 'flows and gears share the wire namespace: rename one');
    if (flowName(scenario.id, flow.id).length > MAX_FLOW_NAME) {
      report(at('id'), `"${scenario.id}.${flow.id}" is longer than ${MAX_FLOW_NAME} characters`, 'workflow ids start with <scenario>.<flow>: shorten one of them');
    }
    checkStepIds(flow, at, report);
    const compensationIds = (flow.compensations ?? []).map((c) => c.id);
    flow.steps.forEach((step, stepIndex) => {
      if (step.kind !== 'gear' && step.kind !== 'request') return;
      checkGear(at('steps', stepIndex), step, false, flow.id);
      if (step.compensate !== undefined && !compensationIds.includes(step.compensate)) {
        report(at('steps', stepIndex, 'compensate'), `no compensation "${step.compensate}" in this flow`, didYouMean(step.compensate, compensationIds) ?? 'declare it under compensations:');
      }
    });
    for (const [i, compensation] of (flow.compensations ?? []).entries()) checkGear(at('compensations', i), compensation, false, flow.id);
    for (const [i, handler] of (flow.onError ?? []).entries()) checkGear(at('onError', i), handler, false, flow.id);

    const triggerWire = flow.trigger.wire;
    if (triggerWire !== undefined && !wireIds.has(triggerWire)) {
      report(at('trigger', 'wire'), `no wire "${triggerWire}" in this scenario`, didYouMean(triggerWire, wireIds));
    }
  });

  scenario.wires.forEach((wire, index) => {
    const to = splitPortRef(wire.to);
    const flow = scenario.flows.find((candidate) => candidate.id === to.gear);
    if (flow && flow.trigger.wire !== wireName(wire)) {
      report(['wires', index, 'to'], `wire "${wireName(wire)}" feeds flow "${flow.id}" but is not its trigger.wire`, `set trigger.wire: ${wireName(wire)} on flow ${flow.id}`);
    }
  });
}

function checkStepIds(flow: ScenarioFlow, at: (...path: PropertyKey[]) => PropertyKey[], report: Report): void {
  const seen = new Set<string>();
  const check = (id: string, path: PropertyKey[]) => {
    if (id.startsWith(RESERVED_STEP_PREFIX)) report([...path, 'id'], `step ids starting with "${RESERVED_STEP_PREFIX}" are reserved`);
    if (seen.has(id)) report([...path, 'id'], `duplicate step id "${id}"`);
    seen.add(id);
  };
  for (const [i, step] of flow.steps.entries()) check(step.id, at('steps', i));
  for (const [i, c] of (flow.compensations ?? []).entries()) check(c.id, at('compensations', i));
  for (const [i, h] of (flow.onError ?? []).entries()) check(h.id, at('onError', i));
}
