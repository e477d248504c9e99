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
  /** Task queues are `<prefix>-<rack>` (config `temporal.task_queue_prefix`, default `fluxrig`). */
  taskQueuePrefix?: string;
}

export const DEFAULT_TEMPORAL_SETTINGS: TemporalSettings = { address: '127.0.0.1:7233', namespace: 'default' };

const RACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const DEFAULT_TASK_QUEUE_PREFIX = 'fluxrig';

/** Task queue a rack's worker polls: `fluxrig-<rack>`. Flows for that rack are started on it. */
export function taskQueueFor(rack: string, prefix: string = DEFAULT_TASK_QUEUE_PREFIX): string {
  if (!RACK_NAME.test(rack)) {
    throw new RigError('ORCH_RACK_NAME', `rack name ${JSON.stringify(rack)} cannot name a task queue`, {
      hint: 'use letters, digits, dot, dash or underscore',
      exitCode: 2,
    });
  }
  return `${prefix}-${rack}`;
}

/** The [temporal] config section as far as orchestration reads it (see pkg/config/sections/temporal.ts). */
export interface TemporalConfigSection {
  address: string;
  namespace: string;
  task_queue_prefix?: string;
}

/**
 * Settings from config. `address = ""` means "the embedded dev server": the caller that started it
 * (rig run, pkg/supervise) passes its address as `embeddedAddress`.
 */
export function temporalSettingsFrom(section: TemporalConfigSection, embeddedAddress?: string): TemporalSettings {
  const address = section.address === '' ? embeddedAddress : section.address;
  if (address === undefined || address === '') {
    throw new RigError('ORCH_NO_ADDRESS', 'temporal.address is empty and no embedded Temporal server is running', {
      where: 'temporal.address',
      hint: 'set temporal.address to host:port, or start the node with `rig run` (embedded dev server)',
      exitCode: 2,
    });
  }
  return {
    address,
    namespace: section.namespace,
    ...(section.task_queue_prefix === undefined ? {} : { taskQueuePrefix: section.task_queue_prefix }),
  };
}
