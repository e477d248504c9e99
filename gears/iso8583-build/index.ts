/**
 * iso8583-build: structured message `{ mti, fields }` in, ISO 8583 bytes out, encoded with a spec (the
 * bitmap follows from the fields present). Pure. A message the codec refuses goes to `error` unchanged
 * with headers naming the field and reason. Optionally writes a fixed header (e.g. the TPDU that
 * iso8583-parse or iso8583-server put in the `iso8583-frame-header` header) in front of the bytes.
 */
import { z } from 'zod';
import { RigError } from '../../pkg/errors/index.ts';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { pack } from '../../pkg/iso8583/index.ts';
import { CARRIES, errorHeaders, ISO_HEADERS, ISO_TYPES, payloadMessage, resolveSpec, specConfig } from '../iso8583-parse/common.ts';

export const buildConfig = z.strictObject({
  spec: specConfig,
  header_length: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(0)
    .describe('write the iso8583-frame-header header (hex, this many bytes) in front of the message'),
});
export type BuildConfig = z.infer<typeof buildConfig>;

export const descriptor: GearDescriptor<BuildConfig> = {
  type: 'iso8583-build',
  summary: 'Encodes { mti, fields } into ISO 8583 bytes with a spec; refused messages go to `error`',
  config: buildConfig,
  inputs: [{ name: 'in', summary: 'an ISO 8583 message { mti, fields }', carries: CARRIES.message }],
  outputs: [
    { name: 'out', summary: 'the encoded bytes', carries: CARRIES.bytes },
    { name: ERROR_PORT, summary: 'messages the codec refused, with reason/error-code/error headers', carries: CARRIES.message },
  ],
  pure: true,
  create(config, context) {
    const spec = resolveSpec(config.spec);
    return {
      async handle(_port, envelope) {
        let bytes: Uint8Array;
        try {
          const message = payloadMessage(envelope.data, 'iso8583-build');
          bytes = pack(message, spec);
          if (config.header_length > 0) bytes = withHeader(bytes, envelope.headers?.[ISO_HEADERS.frameHeader], config.header_length);
        } catch (error) {
          await context.emit(ERROR_PORT, context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
          return;
        }
        await context.emit('out', context.envelope(bytes, { parent: envelope, type: ISO_TYPES.bytes }));
      },
    };
  },
};

function withHeader(message: Uint8Array, headerHex: string | undefined, length: number): Uint8Array {
  const header = headerHex === undefined ? undefined : Buffer.from(headerHex, 'hex');
  if (headerHex === undefined || !header || header.length !== length || header.toString('hex').toUpperCase() !== headerHex.toUpperCase()) {
    throw new RigError('ISO_FRAME_HEADER', `header ${ISO_HEADERS.frameHeader} must be ${length} bytes of hex, got ${JSON.stringify(headerHex ?? null)}`, {
      where: `header ${ISO_HEADERS.frameHeader}`,
    });
  }
  return Buffer.concat([header, message]);
}
