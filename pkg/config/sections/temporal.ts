/** [temporal]: the Temporal cluster durable flows run on, or the embedded dev server. */
import { z } from 'zod';
import { port, secret, text } from '../types.ts';

export const temporalSection = z
  .object({
    address: z
      .string()
      .default('')
      .refine((value) => value === '' || /^[^\s:/]+:\d{1,5}$/.test(value), {
        message: 'expected "" (embedded) or host:port',
      })
      .meta({ description: 'Temporal frontend host:port; "" = start an embedded `temporal server start-dev`.' }),
    embedded_port: port(7233, 'Frontend port of the embedded dev server; 0 = a free port.'),
    embedded_ui_port: port(0, 'Web UI port of the embedded dev server; 0 = no UI (headless).'),
    namespace: text('default', 'Temporal namespace for workflows and schedules.'),
    task_queue_prefix: text('fluxrig', 'Task queues are named <prefix>-<rack id>.'),
    api_key: secret('API key for Temporal Cloud or a secured cluster; "" = none.'),
  })
  .prefault({})
  .meta({ description: 'Temporal: durable flows, retries, compensation, timers and schedules.' });
