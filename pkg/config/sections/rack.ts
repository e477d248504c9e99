/** [rack]: this process's rack identity, placement labels and heartbeat. */
import { z } from 'zod';
import { duration, text } from '../types.ts';

export const rackSection = z
  .object({
    id: text('', 'Rack id in the registry and in task-queue names; "" = node.id.'),
    labels: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'label names use letters, digits, _ . -'), z.string())
      .default({})
      .meta({ description: 'Placement labels scenarios select racks by, e.g. { zone = "eu-1", tier = "gold" }.' }),
    heartbeat_interval: duration('5s', 'How often the rack reports its state to the mixer.'),
    drain_timeout: duration('30s', 'On SIGTERM, how long in-flight work may take before the rack stops anyway.'),
  })
  .prefault({})
  .meta({ description: 'Rack: the data plane that hosts gears.' });
