/**
 * The mixer's state in NATS KV. Racks write their own records in `fluxrig-racks`; the mixer writes
 * scenarios (`scenario.<id>`) and per-rack desired state (`assignment.<rack>`) in `fluxrig-desired`,
 * which racks watch. Nothing lives only in the mixer's memory, so a mixer restart loses nothing.
 */
import type { Bus, KvBucket } from '../bus/index.ts';
import type { DesiredState, RackRecord, ScenarioRecord } from './records.ts';
import type { MixerStore } from './store.ts';

export const SCENARIO_PREFIX = 'scenario.';
export const ASSIGNMENT_PREFIX = 'assignment.';

export function scenarioKey(id: string): string {
  return `${SCENARIO_PREFIX}${id}`;
}

export function assignmentKey(rack: string): string {
  return `${ASSIGNMENT_PREFIX}${rack}`;
}

export async function openKvStore(bus: Bus): Promise<MixerStore> {
  const racks = await bus.kv<RackRecord>('racks');
  const desired = await bus.kv<ScenarioRecord | DesiredState>('desired');
  const scenarios = desired as KvBucket<ScenarioRecord>;
  const assignments = desired as KvBucket<DesiredState>;

  const valuesOf = async <T>(bucket: KvBucket<T>, filter: string): Promise<T[]> => (await bucket.entries(filter)).map((record) => record.value);

  return {
    listScenarios: () => valuesOf(scenarios, `${SCENARIO_PREFIX}>`),
    getScenario: async (id) => (await scenarios.get(scenarioKey(id)))?.value,
    putScenario: async (record) => void (await scenarios.put(scenarioKey(record.id), record)),
    deleteScenario: (id) => scenarios.delete(scenarioKey(id)),
    listRacks: () => valuesOf(racks, '>'),
    getRack: async (id) => (await racks.get(id))?.value,
    listDesired: () => valuesOf(assignments, `${ASSIGNMENT_PREFIX}>`),
    putDesired: async (state) => void (await assignments.put(assignmentKey(state.rack), state)),
    async watchRacks(onChange) {
      const watch = await racks.watch({ updatesOnly: true });
      const loop = (async () => {
        for await (const _change of watch) onChange();
      })();
      return async () => {
        watch.stop();
        await loop;
      };
    },
    async ready() {
      await racks.reachable();
      return true;
    },
  };
}
