/**
 * The records the mixer and racks share through NATS KV: what a rack reports about itself, what the
 * mixer stores per scenario, and the desired state the mixer writes for each rack. Plain data only
 * (they travel as CBOR).
 */
import type { Scenario } from '../scenario/model.ts';

export type GearRunState = 'starting' | 'running' | 'failed' | 'stopping';

/** Key prefix under which a rack reports a durable flow (`flow:<id>`) beside its gears. */
export const FLOW_STATUS_PREFIX = 'flow:';

export interface RackScenarioStatus {
  version: number;
  /** By gear id, and by `flow:<id>` for the durable flows the rack owns. */
  gears: Record<string, { state: GearRunState; error?: string }>;
}

/** Written by a rack on every heartbeat. */
export interface RackRecord {
  id: string;
  labels: Record<string, string>;
  /** Gear types this rack can run (its catalogue). */
  gearTypes: string[];
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  heartbeatAt: string;
  /** Heartbeat period in ms; the mixer counts a rack dead after three missed beats. */
  heartbeatMs: number;
  draining: boolean;
  scenarios: Record<string, RackScenarioStatus>;
}

/** Stored by the mixer per scenario. */
export interface ScenarioRecord {
  id: string;
  version: number;
  deployed: boolean;
  updatedAt: string;
  scenario: Scenario;
}

/** Written by the mixer per rack: which gears of which scenario version it must run. */
export interface DesiredState {
  rack: string;
  /** Bumped on every change so a rack can ignore stale writes. */
  revision: number;
  scenarios: Record<string, { version: number; gears: string[] }>;
}

export function rackIsLive(rack: RackRecord, now: number): boolean {
  return now - Date.parse(rack.heartbeatAt) <= rack.heartbeatMs * 3;
}
