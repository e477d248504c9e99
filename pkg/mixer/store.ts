/**
 * Where the mixer keeps its state. The production store is NATS KV (kv-store.ts), so the desired
 * state survives a mixer restart and racks can watch it directly; this interface keeps the service
 * logic free of NATS types.
 */
import type { DesiredState, RackRecord, ScenarioRecord } from './records.ts';

export interface MixerStore {
  listScenarios(): Promise<ScenarioRecord[]>;
  getScenario(id: string): Promise<ScenarioRecord | undefined>;
  putScenario(record: ScenarioRecord): Promise<void>;
  deleteScenario(id: string): Promise<void>;
  listRacks(): Promise<RackRecord[]>;
  getRack(id: string): Promise<RackRecord | undefined>;
  listDesired(): Promise<DesiredState[]>;
  putDesired(state: DesiredState): Promise<void>;
  /** Calls back on any rack record change (registration, heartbeat, status); returns a stop function. */
  watchRacks(onChange: () => void): Promise<() => Promise<void>>;
  /** True when the backing store answers. */
  ready(): Promise<boolean>;
}

/** Sends commands to racks (drain, …) and waits for their answer. */
export interface RackControl {
  send(rack: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}
