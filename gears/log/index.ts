/**
 * log: a sink that writes each message to the rack's structured log (which masks PANs, track data and
 * secrets on every line). Useful as the end of a wire while building a scenario.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';

export const logConfig = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  message: z.string().default('message'),
  /** Include the payload (bytes are logged as their length). */
  include_data: z.boolean().default(true),
});
export type LogConfig = z.infer<typeof logConfig>;

export const descriptor: GearDescriptor<LogConfig> = {
  type: 'log',
  summary: 'Writes each message to the structured log (masked)',
  config: logConfig,
  inputs: [{ name: 'in', summary: 'messages to log', feeds: [] }],
  outputs: [{ name: ERROR_PORT, summary: 'unused: logging does not fail per message' }],
  pure: false,
  create(config, context) {
    const write = context.log[config.level].bind(context.log);
    return {
      async handle(_port, message) {
        const entry: Record<string, unknown> = { id: message.id, type: message.type, key: message.key, headers: message.headers };
        if (config.include_data) entry.data = message.data instanceof Uint8Array ? { bytes: message.data.length } : message.data;
        write(entry, config.message);
      },
    };
  },
};
