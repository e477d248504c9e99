/**
 * The mixer's behaviour, independent of HTTP: validate and store scenarios, deploy and undeploy them,
 * compute assignments from rack heartbeats and publish desired state, and summarise status. The REST
 * layer (http.ts) only translates requests to these calls.
 */
import { isDeepStrictEqual } from 'node:util';
import { RigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { flowAnchorGear } from '../scenario/flow-plan.ts';
import { checkScenarioValue, problemsError } from '../scenario/index.ts';
import { assign, type Unplaced } from './assign.ts';
import { FLOW_STATUS_PREFIX, rackIsLive, type DesiredState, type RackRecord, type ScenarioRecord } from './records.ts';
import type { MixerStore, RackControl } from './store.ts';

export interface GearStatus {
  gear: string;
  type: string;
  rack?: string;
  state: 'unplaced' | 'assigned' | 'starting' | 'running' | 'failed' | 'stopping';
  error?: string;
}

/** A durable flow's triggers, as reported (`flow:<id>`) by the rack that owns the flow. */
export interface FlowStatus {
  flow: string;
  rack?: string;
  state: 'unplaced' | 'assigned' | 'starting' | 'running' | 'failed';
  error?: string;
}

export interface ScenarioStatus {
  id: string;
  version: number;
  deployed: boolean;
  /** `running` only when every gear and every durable flow reports running at the current version. */
  state: 'undeployed' | 'pending' | 'running' | 'degraded';
  gears: GearStatus[];
  flows: FlowStatus[];
}

export interface MixerServiceOptions {
  store: MixerStore;
  control: RackControl;
  catalogue: readonly GearDescriptor[];
  now?: () => number;
}

export class MixerService {
  private readonly store: MixerStore;
  private readonly control: RackControl;
  readonly catalogue: readonly GearDescriptor[];
  private readonly now: () => number;
  private lastUnplaced: Unplaced[] = [];
  private reconciling: Promise<void> = Promise.resolve();

  constructor(options: MixerServiceOptions) {
    this.store = options.store;
    this.control = options.control;
    this.catalogue = options.catalogue;
    this.now = options.now ?? Date.now;
  }

  /** Creates or replaces a scenario; a changed scenario gets a new version. Throws 400-class errors with every problem. */
  async putScenario(id: string, body: unknown): Promise<ScenarioRecord> {
    const checked = checkScenarioValue(body, this.catalogue);
    if (!checked.scenario) throw problemsError('SCENARIO_INVALID', 'the scenario', checked.problems);
    if (checked.scenario.id !== id) {
      throw new RigError('SCENARIO_ID_MISMATCH', `body id "${checked.scenario.id}" differs from the URL id "${id}"`, { where: 'body id', exitCode: 2 });
    }
    const existing = await this.store.getScenario(id);
    if (existing && isDeepStrictEqual(existing.scenario, checked.scenario)) return existing;
    const record: ScenarioRecord = {
      id,
      version: (existing?.version ?? 0) + 1,
      deployed: existing?.deployed ?? false,
      updatedAt: new Date(this.now()).toISOString(),
      scenario: checked.scenario,
    };
    await this.store.putScenario(record);
    if (record.deployed) await this.reconcile();
    return record;
  }

  async getScenario(id: string): Promise<ScenarioRecord> {
    const record = await this.store.getScenario(id);
    if (!record) throw notFound('scenario', id);
    return record;
  }

  listScenarios(): Promise<ScenarioRecord[]> {
    return this.store.listScenarios();
  }

  async deleteScenario(id: string): Promise<void> {
    await this.getScenario(id);
    await this.store.deleteScenario(id);
    await this.reconcile();
  }

  async setDeployed(id: string, deployed: boolean): Promise<ScenarioRecord> {
    const record = await this.getScenario(id);
    if (record.deployed !== deployed) {
      record.deployed = deployed;
      record.updatedAt = new Date(this.now()).toISOString();
      await this.store.putScenario(record);
    }
    await this.reconcile();
    return record;
  }

  listRacks(): Promise<RackRecord[]> {
    return this.store.listRacks();
  }

  async getRack(id: string): Promise<RackRecord> {
    const rack = await this.store.getRack(id);
    if (!rack) throw notFound('rack', id);
    return rack;
  }

  /** Asks a rack to drain: it stops taking new work, finishes in-flight work, and its gears move elsewhere. */
  async drainRack(id: string): Promise<unknown> {
    await this.getRack(id);
    const answer = await this.control.send(id, 'drain', {}, 10_000);
    await this.reconcile();
    return answer;
  }

  /** Recomputes assignments and writes changed desired states. Serialised: overlapping calls queue. */
  reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(
      () => this.reconcileOnce(),
      () => this.reconcileOnce(),
    );
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const [scenarios, racks, desiredList] = await Promise.all([this.store.listScenarios(), this.store.listRacks(), this.store.listDesired()]);
    const previous = new Map(desiredList.map((state) => [state.rack, state.scenarios]));
    const { desired, unplaced } = assign(scenarios, racks, previous, this.now());
    this.lastUnplaced = unplaced;
    const revisions = new Map(desiredList.map((state) => [state.rack, state.revision]));
    for (const [rack, scenariosForRack] of desired) {
      if (isDeepStrictEqual(previous.get(rack) ?? {}, scenariosForRack)) continue;
      await this.store.putDesired({ rack, revision: (revisions.get(rack) ?? 0) + 1, scenarios: scenariosForRack });
    }
  }

  async status(id: string): Promise<ScenarioStatus> {
    const record = await this.getScenario(id);
    const [racks, desiredList] = await Promise.all([this.store.listRacks(), this.store.listDesired()]);
    return summarise(record, racks, desiredList, this.lastUnplaced, this.now());
  }

  async ready(): Promise<boolean> {
    return this.store.ready();
  }
}

export function summarise(record: ScenarioRecord, racks: RackRecord[], desiredList: DesiredState[], unplaced: Unplaced[], now: number): ScenarioStatus {
  const racksById = new Map(racks.map((rack) => [rack.id, rack]));
  const homeOf = new Map<string, string>();
  for (const state of desiredList) for (const gear of state.scenarios[record.id]?.gears ?? []) homeOf.set(gear, state.rack);
  /** What the rack running `rackId` reports under `key` for this version; undefined while it has not (or is dead). */
  const reportedBy = (rackId: string, key: string) => {
    const rack = racksById.get(rackId);
    const reported = rack?.scenarios[record.id];
    if (!rack || !rackIsLive(rack, now) || reported?.version !== record.version) return undefined;
    return reported.gears[key];
  };
  const gears: GearStatus[] = record.scenario.gears.map((gear) => {
    const rackId = homeOf.get(gear.id);
    if (!record.deployed || rackId === undefined) {
      const reason = unplaced.find((u) => u.scenario === record.id && u.gear === gear.id)?.reason;
      return { gear: gear.id, type: gear.type, state: 'unplaced', ...(record.deployed && reason ? { error: reason } : {}) };
    }
    const gearState = reportedBy(rackId, gear.id);
    if (!gearState) return { gear: gear.id, type: gear.type, rack: rackId, state: 'assigned' };
    return { gear: gear.id, type: gear.type, rack: rackId, state: gearState.state, ...(gearState.error ? { error: gearState.error } : {}) };
  });
  const flows: FlowStatus[] = record.scenario.flows.map((flow) => {
    // A flow runs on the rack of its anchor gear (pkg/scenario/flow-plan.ts), which reports it as `flow:<id>`.
    const anchor = flowAnchorGear(record.scenario, flow);
    const rackId = anchor === undefined ? undefined : homeOf.get(anchor);
    if (!record.deployed || rackId === undefined) return { flow: flow.id, state: 'unplaced' };
    const flowState = reportedBy(rackId, `${FLOW_STATUS_PREFIX}${flow.id}`);
    if (!flowState) return { flow: flow.id, rack: rackId, state: 'assigned' };
    const state = flowState.state === 'stopping' ? 'assigned' : flowState.state;
    return { flow: flow.id, rack: rackId, state, ...(flowState.error ? { error: flowState.error } : {}) };
  });
  let state: ScenarioStatus['state'] = 'undeployed';
  if (record.deployed) {
    const parts = [...gears, ...flows];
    if (parts.every((part) => part.state === 'running')) state = 'running';
    else if (parts.some((part) => part.state === 'failed' || part.state === 'unplaced')) state = 'degraded';
    else state = 'pending';
  }
  return { id: record.id, version: record.version, deployed: record.deployed, state, gears, flows };
}

function notFound(kind: string, id: string): RigError {
  return new RigError('NOT_FOUND', `no ${kind} "${id}"`, { where: `${kind} ${id}`, details: { status: 404 } });
}
