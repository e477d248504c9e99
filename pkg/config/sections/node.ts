/** [node]: who this process is and where it keeps its state. */
import { z } from 'zod';
import { text } from '../types.ts';

export const nodeSection = z
  .object({
    id: text('', 'Name of this node in logs, telemetry and the rack registry; "" = the host name.'),
    machine_id: z
      .union([z.literal('auto'), z.int().min(0).max(65535)])
      .default('auto')
      .meta({
        description:
          'Sonyflake machine id (0..65535) stamped into every message id. Must differ between processes that run at the same time; "auto" = derived from node id, role, rack id and data directory (set it explicitly in large clusters).',
      }),
    data_dir: text('.rig', 'Directory for all local state: embedded engines, logs, telemetry. Relative to the working directory.'),
    role: z
      .enum(['all', 'mixer', 'rack'])
      .default('all')
      .meta({ description: 'What `rig run` starts: all = mixer + one rack + embedded engines; mixer or rack alone for scale-out.' }),
  })
  .prefault({})
  .meta({ description: 'This node: identity, role and state directory.' });
