/**
 * The part of one scenario a rack runs: the wire tables (which subjects leave and feed each port) and
 * a GearHost per assigned gear. `apply` moves it to a new scenario version or assignment changing as
 * little as possible: gears whose type, config and input wires are unchanged keep running with their
 * in-flight messages, and output wire changes take effect on the next emit. Durable flows the rack
 * owns run through ScenarioFlows (flow-runtime.ts); their state is reported as `flow:<id>` entries.
 * Wires into pure gears that run here too are fused (fusion.ts): marked in the output table, so the
 * producer hands their messages to the pure gear's host instead of publishing them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Bus } from '../bus/index.ts';
import { ERROR_PORT, type GearDescriptor } from '../gear/descriptor.ts';
import type { Logger } from '../log/index.ts';
import type { GearRunState, RackScenarioStatus, ScenarioRecord } from '../mixer/records.ts';
import { portsOf, splitPortRef, wireName, type Scenario, type ScenarioGear } from '../scenario/index.ts';
import { dataSubject } from '../wire/subjects.ts';
import { type FlowEngine, ScenarioFlows } from './flow-runtime.ts';
import { type FusedInput, fusedWires } from './fusion.ts';
import { GearHost, type WireEnd } from './gear-host.ts';

type PortTable = Map<string, Map<string, WireEnd[]>>;

export interface ScenarioRuntimeOptions {
  bus: Bus;
  rack: string;
  catalogue: ReadonlyMap<string, GearDescriptor>;
  logger: Logger;
  nextId: () => string;
  concurrency: number;
  graceMs: number;
  /** The rack's Temporal worker and client, for the scenario's durable flows. */
  flows?: FlowEngine;
}

export class ScenarioRuntime {
  private record: ScenarioRecord | undefined;
  private outputs: PortTable = new Map();
  private inputs: PortTable = new Map();
  private readonly hosts = new Map<string, GearHost>();
  private readonly failures = new Map<string, string>();
  private flows: ScenarioFlows | undefined;

  constructor(
    readonly scenarioId: string,
    private readonly options: ScenarioRuntimeOptions,
  ) {}

  /** Runs exactly `gearIds` of `record`'s scenario. Gear start failures are reported in status, not thrown. */
  async apply(record: ScenarioRecord, gearIds: readonly string[]): Promise<void> {
    const previous = this.record?.scenario;
    const next = record.scenario;
    const nextInputs = portTable(next, 'to');
    const wanted = new Set(gearIds);
    // A gear that failed to start (a port in use, an unreachable peer) is recreated on every apply.
    const toStop = [...this.hosts.keys()].filter(
      (id) => !wanted.has(id) || this.hosts.get(id)?.state === 'failed' || gearChanged(previous, next, id, this.inputs, nextInputs),
    );
    await this.stopHosts(toStop);

    this.record = record;
    this.outputs = portTable(next, 'from', fusedWires(next, gearIds, this.options.catalogue));
    this.inputs = nextInputs;
    // Downstream-first: a gear's consumers (and the pure gears it runs fused) are up before it emits,
    // so a source's first messages take the same path as the rest.
    const order = stopOrder(next, this.options.catalogue);
    const toStart = gearIds.filter((id) => !this.hosts.has(id)).sort((a, b) => rank(order, b) - rank(order, a));
    for (const id of toStart) await this.startHost(next, id);
    if (this.options.flows && (next.flows.length > 0 || this.flows)) {
      this.flows ??= new ScenarioFlows(this.scenarioId, this.options.flows, this.options.bus, this.options.logger);
      await this.flows.apply(next, gearIds);
    }
  }

  /** True when a gear failed to start and a later apply should try again. */
  get hasFailures(): boolean {
    return this.failures.size > 0 || [...this.hosts.values()].some((host) => host.state === 'failed') || this.flows?.hasFailures === true;
  }

  status(): RackScenarioStatus {
    const gears: RackScenarioStatus['gears'] = {};
    for (const [id, host] of this.hosts) gears[id] = host.error ? { state: host.state, error: host.error } : { state: host.state };
    for (const [id, error] of this.failures) gears[id] = { state: 'failed' as GearRunState, error };
    Object.assign(gears, this.flows?.status());
    return { version: this.record?.version ?? 0, gears };
  }

  /** Stops everything; `undeployed` (the scenario is gone, not moved) also deletes its flows' schedules. */
  async stop(options: { undeployed?: boolean } = {}): Promise<void> {
    await this.flows?.stop({ removeSchedules: options.undeployed === true, graceMs: this.options.graceMs });
    await this.stopHosts([...this.hosts.keys()]);
    this.failures.clear();
  }

  private async startHost(scenario: Scenario, id: string): Promise<void> {
    this.failures.delete(id);
    const gear = scenario.gears.find((candidate) => candidate.id === id);
    const descriptor = gear ? this.options.catalogue.get(gear.type) : undefined;
    if (!gear || !descriptor) {
      this.failures.set(id, gear ? `this rack has no gear type "${gear.type}"` : `scenario has no gear "${id}"`);
      return;
    }
    const host = new GearHost({
      bus: this.options.bus,
      scenario: scenario.id,
      gear,
      descriptor,
      outputs: () => this.outputs.get(id) ?? new Map(),
      inputs: this.inputs.get(id) ?? new Map(),
      nextId: this.options.nextId,
      rack: this.options.rack,
      logger: this.options.logger,
      concurrency: gear.concurrency ?? this.options.concurrency,
      peer: (gearId) => this.hosts.get(gearId),
    });
    this.hosts.set(id, host);
    try {
      await host.start();
    } catch {
      // The host recorded the failure in its state; the scenario's other gears keep running.
    }
  }

  /** Stops gears upstream-first, so work already accepted can still flow to the gears after them. */
  private async stopHosts(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const order = this.record ? stopOrder(this.record.scenario, this.options.catalogue) : [];
    const ranked = [...ids].sort((a, b) => rank(order, a) - rank(order, b));
    for (const id of ranked) {
      const host = this.hosts.get(id);
      this.hosts.delete(id);
      await host?.stop(this.options.graceMs).catch((error: unknown) => this.options.logger.error({ gear: id, err: String(error) }, 'gear did not stop cleanly'));
    }
  }
}

function rank(order: string[], id: string): number {
  const index = order.indexOf(id);
  return index === -1 ? order.length : index;
}

function portTable(scenario: Scenario, side: 'from' | 'to', fused: ReadonlyMap<string, FusedInput> = new Map()): PortTable {
  const table: PortTable = new Map();
  for (const wire of scenario.wires) {
    const { gear, port } = splitPortRef(wire[side]);
    const name = wireName(wire);
    const ports = table.get(gear) ?? new Map<string, WireEnd[]>();
    table.set(gear, ports);
    const ends = ports.get(port) ?? [];
    ports.set(port, ends);
    const inProcess = fused.get(name);
    ends.push(inProcess ? { wire: name, subject: dataSubject(scenario.id, name), fused: inProcess } : { wire: name, subject: dataSubject(scenario.id, name) });
  }
  return table;
}

function gearChanged(before: Scenario | undefined, after: Scenario, id: string, oldInputs: PortTable, newInputs: PortTable): boolean {
  const a = before?.gears.find((gear) => gear.id === id);
  const b = after.gears.find((gear) => gear.id === id);
  if (!a || !b) return true;
  return !sameGear(a, b) || !isDeepStrictEqual(oldInputs.get(id), newInputs.get(id));
}

function sameGear(a: ScenarioGear, b: ScenarioGear): boolean {
  return a.type === b.type && isDeepStrictEqual(a.config, b.config) && a.concurrency === b.concurrency;
}

/**
 * Gear ids in data-flow order (upstream first); gears are started in reverse and stopped in this order.
 * Wires into ports that feed no regular output (such as a listener's `reply`) close request/response
 * loops and are ignored for ordering. Gears wired to nothing come last, so they start first and stop
 * last: no wire ties them to the others, but others may need them outside the wires, as the example
 * switch's issuer links need its built-in issuer simulator listening (a link waits up to its
 * connect_timeout_ms for the issuer when it starts, so starting the simulator after them held `rig run`
 * back 5 s per link, and stopping it first would fail the links' last requests).
 */
export function stopOrder(scenario: Scenario, catalogue: ReadonlyMap<string, GearDescriptor>): string[] {
  const feedsOnward = (gearId: string, port: string) => {
    const gear = scenario.gears.find((g) => g.id === gearId);
    const descriptor = gear ? catalogue.get(gear.type) : undefined;
    if (!descriptor || !gear) return true;
    const spec = portsOf(descriptor, descriptor.config.safeParse(gear.config).data).inputs.find((p) => p.name === port);
    return spec?.feeds === undefined || spec.feeds.some((output) => output !== ERROR_PORT);
  };
  const incoming = new Map(scenario.gears.map((gear) => [gear.id, 0]));
  const next = new Map<string, string[]>();
  for (const wire of scenario.wires) {
    const from = splitPortRef(wire.from);
    const to = splitPortRef(wire.to);
    if (from.gear === to.gear || !feedsOnward(to.gear, to.port)) continue;
    next.set(from.gear, [...(next.get(from.gear) ?? []), to.gear]);
    incoming.set(to.gear, (incoming.get(to.gear) ?? 0) + 1);
  }
  const wired = new Set(scenario.wires.flatMap((wire) => [splitPortRef(wire.from).gear, splitPortRef(wire.to).gear]));
  const ready = [...incoming].filter(([id, count]) => count === 0 && wired.has(id)).map(([id]) => id).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(id);
    for (const target of next.get(id) ?? []) {
      const left = (incoming.get(target) ?? 0) - 1;
      incoming.set(target, left);
      if (left === 0) ready.push(target);
    }
  }
  for (const gear of scenario.gears) if (!order.includes(gear.id)) order.push(gear.id);
  return order;
}
