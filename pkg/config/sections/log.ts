/** [log]: level, format and the rotated log file of long-running processes. */
import { z } from 'zod';
import { byteSize, text } from '../types.ts';

export const logSection = z
  .object({
    level: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .meta({ description: 'Lowest level written. FLUXRIG_TRACE=1 forces trace.' }),
    format: z
      .enum(['json', 'pretty'])
      .default('json')
      .meta({ description: 'stderr format: json lines, or pretty for people. The file is always JSON lines.' }),
    stderr: z.boolean().default(true).meta({ description: 'Write log lines to stderr.' }),
    file: text('logs/rig.log', 'Log file of long-running commands (rig run); relative to node.data_dir; "" = no file.'),
    rotate_size: byteSize('10MB', 'Start a new file when the current one reaches this size; "0" = no size limit.'),
    rotate_interval: z
      .enum(['hourly', 'daily', 'off'])
      .default('daily')
      .meta({ description: 'Also start a new file every hour or day; off = by size only.' }),
    max_files: z.int().min(0).max(10_000).default(7).meta({ description: 'Rotated files kept besides the active one.' }),
  })
  .prefault({})
  .meta({ description: 'Structured logs (PANs, track data and secrets are always masked).' });
