/**
 * What changed between two versions of a scenario, at the granularity a rack reconciles: gears added,
 * removed or changed (type, config or placement), and wires added or removed. Unchanged gears keep
 * running with their in-flight messages.
 */
import { isDeepStrictEqual } from 'node:util';
import { wireName, type Scenario, type ScenarioGear } from './model.ts';

export interface ScenarioDiff {
  addedGears: string[];
  removedGears: string[];
  changedGears: string[];
  addedWires: string[];
  removedWires: string[];
  /** True when nothing a rack runs differs (descriptions may). */
  unchanged: boolean;
}

export function diffScenarios(before: Scenario | undefined, after: Scenario | undefined): ScenarioDiff {
  const oldGears = new Map((before?.gears ?? []).map((gear) => [gear.id, gear]));
  const newGears = new Map((after?.gears ?? []).map((gear) => [gear.id, gear]));
  const addedGears = [...newGears.keys()].filter((id) => !oldGears.has(id));
  const removedGears = [...oldGears.keys()].filter((id) => !newGears.has(id));
  const changedGears = [...newGears.keys()].filter((id) => {
    const old = oldGears.get(id);
    return old !== undefined && !sameGear(old, newGears.get(id) as ScenarioGear);
  });
  const oldWires = new Set((before?.wires ?? []).map((wire) => `${wireName(wire)}:${wire.from}>${wire.to}`));
  const newWires = new Set((after?.wires ?? []).map((wire) => `${wireName(wire)}:${wire.from}>${wire.to}`));
  const addedWires = [...newWires].filter((wire) => !oldWires.has(wire));
  const removedWires = [...oldWires].filter((wire) => !newWires.has(wire));
  const flowsSame = isDeepStrictEqual(before?.flows ?? [], after?.flows ?? []);
  const unchanged =
    addedGears.length + removedGears.length + changedGears.length + addedWires.length + removedWires.length === 0 && flowsSame;
  return { addedGears, removedGears, changedGears, addedWires, removedWires, unchanged };
}

function sameGear(a: ScenarioGear, b: ScenarioGear): boolean {
  return a.type === b.type && isDeepStrictEqual(a.config, b.config) && isDeepStrictEqual(a.placement, b.placement) && a.concurrency === b.concurrency;
}
