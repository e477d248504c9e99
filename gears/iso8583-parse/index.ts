/**
 * iso8583-parse: ISO 8583 bytes in, structured message `{ mti, fields }` out, decoded with a spec. Pure:
 * no I/O, no clock, so it runs inline or as a Temporal local activity. Bytes that do not decode go to
 * `error` unchanged, with headers saying why (`reason=invalid-message`, the codec's error code and
 * `DE n @ byte k: …`); card data never appears in those headers.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { type ResolvedFraming, resolveFraming, splitHeader } from '../../pkg/iso8583/framing.ts';
import { unpack } from '../../pkg/iso8583/index.ts';
import { correlator } from '../../pkg/iso8583/match.ts';
import { CARRIES, correlationConfig, correlationOptions, errorHeaders, ISO_HEADERS, ISO_TYPES, payloadBytes, resolveSpec, specConfig } from './common.ts';

export const parseConfig = z.strictObject({
  spec: specConfig,
  header_length: z.number().int().min(0).max(64).default(0).describe('fixed header (e.g. TPDU) in front of the message; passed on as a header'),
  correlation: correlationConfig,
});
export type ParseConfig = z.infer<typeof parseConfig>;

export const descriptor: GearDescriptor<ParseConfig> = {
  type: 'iso8583-parse',
  summary: 'Decodes ISO 8583 bytes into { mti, fields } with a spec; undecodable bytes go to `error`',
  config: parseConfig,
  inputs: [{ name: 'in', summary: 'one ISO 8583 message as bytes', carries: CARRIES.bytes }],
  outputs: [
    { name: 'out', summary: 'the decoded message; subject = correlation key', carries: CARRIES.message },
    { name: ERROR_PORT, summary: 'input that did not decode, with reason/error-code/error headers', carries: CARRIES.bytes },
  ],
  pure: true,
  create(config, context) {
    const spec = resolveSpec(config.spec);
    const keyOf = correlator(correlationOptions(config.correlation));
    const framing: ResolvedFraming | undefined = config.header_length > 0 ? resolveFraming({ kind: 'none', headerLength: config.header_length }) : undefined;
    return {
      async handle(_port, envelope) {
        const bytes = payloadBytes(envelope.data, 'iso8583-parse');
        let message: ReturnType<typeof unpack>;
        let header: Buffer | undefined;
        let key: string;
        try {
          const frame = framing ? splitHeader(bytes, framing) : { header: undefined, message: bytes };
          header = frame.header;
          message = unpack(frame.message, spec);
          key = keyOf(message);
        } catch (error) {
          await context.emit(ERROR_PORT, context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
          return;
        }
        const headers: Record<string, string> = { [ISO_HEADERS.correlation]: key };
        if (header) headers[ISO_HEADERS.frameHeader] = header.toString('hex').toUpperCase();
        await context.emit('out', context.envelope(message, { parent: envelope, type: ISO_TYPES.message, subject: key, headers }));
      },
    };
  },
};
