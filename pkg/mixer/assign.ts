/**
 * Assignment: which rack runs which gear of each deployed scenario. A gear may run on a rack that is
 * live, not draining, can run its type and carries every label its placement asks for. A gear stays
 * where it is while that rack qualifies (no churn); otherwise it goes to the qualifying rack with the
 * fewest gears (ties by rack id, so the answer is deterministic). Pure: the mixer feeds it records.
 */
import { rackIsLive, type DesiredState, type RackRecord, type ScenarioRecord } from './records.ts';

export interface Unplaced {
  scenario: string;
  gear: string;
  reason: string;
}

export interface Assignment {
  /** Desired state per rack id (every known rack has an entry, possibly empty). */
  desired: Map<string, DesiredState['scenarios']>;
  unplaced: Unplaced[];
}

export function assign(scenarios: ScenarioRecord[], racks: RackRecord[], previous: Map<string, DesiredState['scenarios']>, now: number): Assignment {
  const eligibleRacks = racks.filter((rack) => rackIsLive(rack, now) && !rack.draining).sort((a, b) => a.id.localeCompare(b.id));
  const desired = new Map<string, DesiredState['scenarios']>(racks.map((rack) => [rack.id, {}]));
  const load = new Map<string, number>(eligibleRacks.map((rack) => [rack.id, 0]));
  const unplaced: Unplaced[] = [];
  const previousHome = homesOf(previous);

  for (const record of [...scenarios].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!record.deployed) continue;
    for (const gear of record.scenario.gears) {
      const labels = (gear.placement ?? record.scenario.placement).labels;
      const candidates = eligibleRacks.filter((rack) => rack.gearTypes.includes(gear.type) && hasLabels(rack, labels));
      if (candidates.length === 0) {
        unplaced.push({ scenario: record.id, gear: gear.id, reason: noRackReason(racks, eligibleRacks, gear.type, labels) });
        continue;
      }
      const home = previousHome.get(`${record.id}/${gear.id}`);
      const chosen = candidates.find((rack) => rack.id === home) ?? leastLoaded(candidates, load);
      load.set(chosen.id, (load.get(chosen.id) ?? 0) + 1);
      const rackState = desired.get(chosen.id) as DesiredState['scenarios'];
      const entry = rackState[record.id] ?? { version: record.version, gears: [] };
      entry.gears.push(gear.id);
      rackState[record.id] = entry;
    }
  }
  return { desired, unplaced };
}

function homesOf(previous: Map<string, DesiredState['scenarios']>): Map<string, string> {
  const homes = new Map<string, string>();
  for (const [rack, scenarios] of previous) {
    for (const [scenario, entry] of Object.entries(scenarios)) for (const gear of entry.gears) homes.set(`${scenario}/${gear}`, rack);
  }
  return homes;
}

function hasLabels(rack: RackRecord, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([name, value]) => rack.labels[name] === value);
}

function leastLoaded(candidates: RackRecord[], load: Map<string, number>): RackRecord {
  let best = candidates[0] as RackRecord;
  for (const rack of candidates) if ((load.get(rack.id) ?? 0) < (load.get(best.id) ?? 0)) best = rack;
  return best;
}

function noRackReason(all: RackRecord[], eligible: RackRecord[], type: string, labels: Record<string, string>): string {
  if (all.length === 0) return 'no rack has registered';
  if (eligible.length === 0) return 'no live rack (all are draining or missed their heartbeats)';
  const wanted = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');
  if (!eligible.some((rack) => rack.gearTypes.includes(type))) return `no live rack can run gear type "${type}"`;
  return `no live rack carries the labels ${wanted}`;
}
