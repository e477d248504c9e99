/**
 * Where durable flows run: the Temporal address and namespace (config `temporal.address`,
 * `temporal.namespace`) and the task-queue naming rule, one queue per rack. Pure values: no connection
 * is opened here.
 */
import { RigError } from '../errors/index.ts';

export interface TemporalSettings {
  /** host:port of the Temporal frontend, e.g. `127.0.0.1:7233`. */
  address: string;
  namespace: string;
}

export const DEFAULT_TEMPORAL_SETTINGS: TemporalSettings = { address: '127.0.0.1:7233', namespace: 'default' };

const RACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Task queue a rack's worker polls: `fluxrig-<rack>`. Flows for that rack are started on it. */
export function taskQueueFor(rack: string): string {
  if (!RACK_NAME.test(rack)) {
    throw new RigError('ORCH_RACK_NAME', `rack name ${JSON.stringify(rack)} cannot name a task queue`, {
      hint: 'use letters, digits, dot, dash or underscore',
      exitCode: 2,
    });
  }
  return `fluxrig-${rack}`;
}
