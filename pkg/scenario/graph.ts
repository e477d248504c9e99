/**
 * Graph checks of a scenario against the gear catalogue: gear types exist, each gear's config passes
 * the gear's own schema, wires join an existing output port to an existing input port of the same kind,
 * durable flows reference existing gears (flow-checks.ts) and join wires as nodes, and the port graph has no cycle (a listener's `reply` input, declared with
 * `feeds: []`, legitimately closes a request/response loop and is not a cycle).
 */
import type { GearDescriptor, PortSpec } from '../gear/descriptor.ts';
import { didYouMean } from '../text/suggest.ts';
import { checkFlows } from './flow-checks.ts';
import { FLOW_INPUT_PORT, FLOW_OUTPUT_PORTS } from './flow-plan.ts';
import { splitPortRef, wireName, type Scenario } from './model.ts';
import { formatPath, type Problem } from './problems.ts';

export type Catalogue = ReadonlyMap<string, GearDescriptor>;

/** A gear's ports as configured: its type plus inputs/outputs (from `portsFor` when it has one). */
export interface GearPorts {
  type: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
}

export function portsOf(descriptor: GearDescriptor, config: unknown): GearPorts {
  const dynamic = descriptor.portsFor?.(config);
  return { type: descriptor.type, inputs: dynamic?.inputs ?? descriptor.inputs, outputs: dynamic?.outputs ?? descriptor.outputs };
}
/** The ports of a durable flow as a wire-graph node (see flowSchema in model.ts). */
const FLOW_PORTS: GearPorts = {
  type: 'durable flow',
  inputs: [{ name: FLOW_INPUT_PORT, summary: 'messages that start one run each (the trigger wire)' }],
  outputs: FLOW_OUTPUT_PORTS.map((name) => ({ name, summary: name === 'out' ? 'the result of a completed run' : 'the error of a failed run' })),
};

type Locate = (path: ReadonlyArray<PropertyKey>) => string;

export function catalogueOf(descriptors: Iterable<GearDescriptor>): Catalogue {
  return new Map([...descriptors].map((descriptor) => [descriptor.type, descriptor]));
}

export function checkGraph(scenario: Scenario, catalogue: Catalogue, locate: Locate): Problem[] {
  const problems: Problem[] = [];
  const report = (path: ReadonlyArray<PropertyKey>, message: string, hint?: string) =>
    problems.push({ where: locate(path), path: formatPath(path), message, ...(hint ? { hint } : {}) });

  const gears = new Map<string, GearPorts | undefined>();
  scenario.gears.forEach((gear, index) => {
    if (gears.has(gear.id)) report(['gears', index, 'id'], `duplicate gear id "${gear.id}"`);
    const descriptor = catalogue.get(gear.type);
    gears.set(gear.id, descriptor);
    if (!descriptor) {
      report(['gears', index, 'type'], `unknown gear type "${gear.type}"`, didYouMean(gear.type, catalogue.keys()) ?? 'run `rig gears` to list the catalogue');
      return;
    }
    const config = descriptor.config.safeParse(gear.config);
    if (!config.success) {
      for (const issue of config.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
        for (const key of keys) report(['gears', index, 'config', ...key], issue.code === 'unrecognized_keys' ? 'unknown config key' : issue.message);
      }
    } else {
      gears.set(gear.id, portsOf(descriptor, config.data));
    }
  });

  // A durable flow is a node of the wire graph too: `<flow>.in`, `<flow>.out`, `<flow>.error`.
  for (const flow of scenario.flows) if (!gears.has(flow.id)) gears.set(flow.id, FLOW_PORTS);

  const wireIds = new Set<string>();
  scenario.wires.forEach((wire, index) => {
    const name = wireName(wire);
    if (wireIds.has(name)) report(['wires', index], `duplicate wire "${name}"`, 'give one of them a distinct id');
    wireIds.add(name);
    const from = resolvePort(wire.from, 'outputs', gears, (message, hint) => report(['wires', index, 'from'], message, hint));
    const to = resolvePort(wire.to, 'inputs', gears, (message, hint) => report(['wires', index, 'to'], message, hint));
    if (from && to && !kindsMatch(from, to)) {
      report(['wires', index], `port kinds differ: ${wire.from} carries ${from.carries} but ${wire.to} expects ${to.carries}`);
    }
  });

  checkFlows(scenario, catalogue, report);

  const cycle = findPortCycle(scenario, gears);
  if (cycle) report(['wires'], `wires form a cycle: ${cycle.join(' → ')}`, 'break the loop, or end it at an input port that feeds no output (such as a listener\'s reply port)');
  return problems;
}

function resolvePort(
  ref: string,
  side: 'inputs' | 'outputs',
  gears: Map<string, GearPorts | undefined>,
  report: (message: string, hint?: string) => void,
): PortSpec | undefined {
  const { gear, port } = splitPortRef(ref);
  if (!gears.has(gear)) {
    report(`no gear "${gear}" in this scenario`, didYouMean(gear, gears.keys()));
    return undefined;
  }
  const descriptor = gears.get(gear);
  if (!descriptor) return undefined; // its unknown type is already reported
  const ports = descriptor[side];
  const spec = ports.find((candidate) => candidate.name === port);
  if (!spec) {
    const kind = side === 'inputs' ? 'input' : 'output';
    const names = ports.map((candidate) => candidate.name);
    report(`${descriptor.type} has no ${kind} port "${port}" (it has: ${names.join(', ') || 'none'})`, didYouMean(port, names));
  }
  return spec;
}

function kindsMatch(from: PortSpec, to: PortSpec): boolean {
  const a = from.carries ?? 'any';
  const b = to.carries ?? 'any';
  return a === 'any' || b === 'any' || a === b;
}

/**
 * Depth-first search over port nodes: `gear.out` → (wire) → `gear.in` → (feeds) → `gear.out`.
 * Returns the first cycle as a list of port refs, or undefined.
 */
export function findPortCycle(scenario: Scenario, gears: Map<string, GearPorts | undefined>): string[] | undefined {
  const next = new Map<string, string[]>();
  const link = (from: string, to: string) => {
    const list = next.get(from);
    if (list) list.push(to);
    else next.set(from, [to]);
  };
  for (const wire of scenario.wires) link(wire.from, wire.to);
  for (const [gearId, descriptor] of gears) {
    if (!descriptor) continue;
    for (const input of descriptor.inputs) {
      const feeds = input.feeds ?? descriptor.outputs.map((output) => output.name);
      for (const output of feeds) link(`${gearId}.${input.name}`, `${gearId}.${output}`);
    }
  }

  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open');
    stack.push(node);
    for (const target of next.get(node) ?? []) {
      const seen = state.get(target);
      if (seen === 'open') return [...stack.slice(stack.indexOf(target)), target];
      if (seen === undefined) {
        const cycle = visit(target);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of next.keys()) {
    if (state.has(node)) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
