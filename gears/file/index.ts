/**
 * file: a sink that appends each message as one JSON line (id, time, type, key, headers, data; bytes
 * as base64) to a file. A message is handed on (acked) only after its line is written, and with
 * `fsync: true` only after it is on disk.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';

export const fileConfig = z.strictObject({
  path: z.string().min(1),
  fsync: z.boolean().default(false),
});
export type FileConfig = z.infer<typeof fileConfig>;

export function jsonLine(message: { id: string; time: string; type: string; key?: string; headers?: Record<string, string>; data: unknown }): string {
  return `${JSON.stringify({ id: message.id, time: message.time, type: message.type, key: message.key, headers: message.headers, data: message.data }, (_key, value) =>
    value instanceof Uint8Array ? { base64: Buffer.from(value).toString('base64') } : value,
  )}\n`;
}

export const descriptor: GearDescriptor<FileConfig> = {
  type: 'file',
  summary: 'Appends each message as a JSON line to a file',
  config: fileConfig,
  inputs: [{ name: 'in', summary: 'messages to write', feeds: [ERROR_PORT] }],
  outputs: [{ name: ERROR_PORT, summary: 'messages that could not be written' }],
  pure: false,
  create(config) {
    let file: Promise<FileHandle> | undefined;
    const handle = () => {
      file ??= mkdir(dirname(config.path), { recursive: true }).then(() => open(config.path, 'a'));
      return file;
    };
    return {
      async start() {
        await handle();
      },
      async handle(_port, message) {
        const fh = await handle();
        await fh.write(jsonLine(message));
        if (config.fsync) await fh.datasync();
      },
      async stop() {
        if (file) await (await file).close();
        file = undefined;
      },
    };
  },
};
