/**
 * `rig iso8583 decode | encode | specs`: look at ISO 8583 bytes, build them from JSON, list the specs.
 * Thin: parsing and printing only; the codec, framing, masking and rendering are pkg/iso8583's.
 * Decoded output is masked unless the user passes `--unmasked`; nothing here ever logs card data.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RigError } from '../../../pkg/errors/index.ts';
import { encodeFrame, FrameDecoder, type FramingKind, type FramingOptions, resolveFraming } from '../../../pkg/iso8583/framing.ts';
import { type IsoFieldValue, type IsoMessage, listBuiltinSpecs, pack, unpackDetailed } from '../../../pkg/iso8583/index.ts';
import { formatMessageTable, messageToJson } from '../../../pkg/iso8583/pretty.ts';
// The spec lookup (builtin name or file path) is the one the iso8583 gears use, so both agree.
import { resolveSpec } from '../../../gears/iso8583-parse/common.ts';

const DEFAULT_SPEC = 'iso87ascii';
const FRAMINGS: readonly FramingKind[] = ['none', 'binary2', 'ascii4'];

interface FramingFlags {
  framing: string;
  headerLength?: string;
  lengthIncludesPrefix?: boolean;
}

interface DecodeFlags extends FramingFlags {
  spec: string;
  file?: string;
  hex?: boolean;
  unmasked?: boolean;
}

interface EncodeFlags extends FramingFlags {
  spec: string;
  file?: string;
  raw?: boolean;
  header?: string;
}

function framingFrom(flags: FramingFlags): FramingOptions {
  if (!FRAMINGS.includes(flags.framing as FramingKind)) {
    throw new RigError('CLI_USAGE', `unknown framing "${flags.framing}"`, { hint: `use one of: ${FRAMINGS.join(', ')}`, exitCode: 2 });
  }
  const headerLength = flags.headerLength === undefined ? 0 : Number(flags.headerLength);
  if (!Number.isInteger(headerLength) || headerLength < 0) {
    throw new RigError('CLI_USAGE', `--header-length must be a non-negative integer, got ${flags.headerLength}`, { exitCode: 2 });
  }
  return { kind: flags.framing as FramingKind, headerLength, lengthIncludesPrefix: flags.lengthIncludesPrefix === true };
}

function parseHex(text: string, what: string): Buffer {
  const clean = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(clean)) {
    const bad = clean.search(/[^0-9a-fA-F]/);
    throw new RigError('CLI_BAD_HEX', bad >= 0 ? `${what} has a non-hex character at position ${bad}` : `${what} has an odd number of hex digits`, {
      hint: 'give bytes as hex (spaces allowed), or use --file for a raw byte file',
      exitCode: 2,
    });
  }
  return Buffer.from(clean, 'hex');
}

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) {
    throw new RigError('CLI_USAGE', 'no input: give it as an argument, with --file, or on standard input', { exitCode: 2 });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new RigError('CLI_FILE', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { exitCode: 2, cause: error });
  }
}

/** The bytes to decode: hex argument, else the file or stdin (raw bytes, or hex text with --hex). */
async function decodeInput(hexArgument: string | undefined, flags: DecodeFlags): Promise<Buffer> {
  if (hexArgument !== undefined && flags.file !== undefined) {
    throw new RigError('CLI_USAGE', 'give the message either as a hex argument or with --file, not both', { exitCode: 2 });
  }
  if (hexArgument !== undefined) return parseHex(hexArgument, 'the hex argument');
  const bytes = flags.file !== undefined ? readInputFile(flags.file) : await readStdin();
  return flags.hex ? parseHex(bytes.toString('latin1'), flags.file ?? 'standard input') : bytes;
}

/** Say which message of a framed stream failed, keeping the codec's own field/offset `where`. */
function inMessage(error: unknown, index: number, count: number): unknown {
  if (!(error instanceof RigError) || count <= 1) return error;
  return new RigError(error.code, error.message, {
    where: `message ${index + 1}${error.where ? `, ${error.where}` : ''}`,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    exitCode: error.exitCode,
    details: { ...error.details, message: index + 1 },
    cause: error,
  });
}

async function decodeCommand(hexArgument: string | undefined, flags: DecodeFlags, command: Command): Promise<void> {
  const globals = command.optsWithGlobals<{ json?: boolean }>();
  const framing = resolveFraming(framingFrom(flags));
  const spec = resolveSpec(flags.spec);
  const input = await decodeInput(hexArgument, flags);
  const decoder = new FrameDecoder(framing);
  const frames = [...decoder.push(input), ...decoder.end()];
  if (frames.length === 0) throw new RigError('ISO_EMPTY_INPUT', 'no message in the input', { exitCode: 2 });
  const rendered: string[] = [];
  const json: unknown[] = [];
  frames.forEach((frame, index) => {
    let decoded: ReturnType<typeof unpackDetailed>;
    try {
      decoded = unpackDetailed(frame.message, spec);
    } catch (error) {
      throw inMessage(error, index, frames.length);
    }
    const options = { unmasked: flags.unmasked === true, spans: decoded.spans };
    if (globals.json) {
      const body = messageToJson(decoded.message, spec, options);
      json.push(framing.headerLength > 0 ? { header: frame.header.toString('hex').toUpperCase(), ...body } : body);
    } else {
      const header = framing.headerLength > 0 ? `header  ${frame.header.toString('hex').toUpperCase()}\n` : '';
      rendered.push(header + formatMessageTable(decoded.message, spec, options));
    }
  });
  if (globals.json) process.stdout.write(`${JSON.stringify(json.length === 1 ? json[0] : json, null, 2)}\n`);
  else process.stdout.write(`${rendered.join('\n\n')}\n`);
}

/** JSON (as printed by `decode --json --unmasked`) to an IsoMessage: field keys to numbers, values as given. */
export function messageFromJson(value: unknown, where: string): IsoMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RigError('CLI_BAD_JSON', 'the message must be a JSON object like {"mti":"0800","fields":{"70":"301"}}', { where, exitCode: 2 });
  }
  const { mti, fields } = value as { mti?: unknown; fields?: unknown };
  if (typeof mti !== 'string') throw new RigError('CLI_BAD_JSON', '"mti" must be a string of four digits', { where: `${where} mti`, exitCode: 2 });
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new RigError('CLI_BAD_JSON', '"fields" must be an object keyed by data element number', { where: `${where} fields`, exitCode: 2 });
  }
  const out: Record<number, IsoFieldValue> = {};
  for (const [key, fieldValue] of Object.entries(fields)) {
    const field = Number(key);
    if (!Number.isInteger(field) || field < 2 || field > 192) {
      throw new RigError('CLI_BAD_JSON', `"${key}" is not a data element number (2–192)`, { where: `${where} fields`, exitCode: 2 });
    }
    out[field] = fieldValue as IsoFieldValue;
  }
  return { mti, fields: out };
}

async function encodeCommand(jsonArgument: string | undefined, flags: EncodeFlags, command: Command): Promise<void> {
  const globals = command.optsWithGlobals<{ json?: boolean }>();
  if (jsonArgument !== undefined && flags.file !== undefined) {
    throw new RigError('CLI_USAGE', 'give the message either as a JSON argument or with --file, not both', { exitCode: 2 });
  }
  const framing = resolveFraming(framingFrom(flags));
  const spec = resolveSpec(flags.spec);
  const source = jsonArgument !== undefined ? 'the JSON argument' : (flags.file ?? 'standard input');
  const text = jsonArgument ?? (flags.file !== undefined ? readInputFile(flags.file) : await readStdin()).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RigError('CLI_BAD_JSON', `not valid JSON: ${(error as Error).message}`, { where: source, exitCode: 2, cause: error });
  }
  const messages = Array.isArray(parsed) ? parsed.map((item, i) => messageFromJson(item, `${source} [${i}]`)) : [messageFromJson(parsed, source)];
  const header = flags.header !== undefined ? parseHex(flags.header, '--header') : undefined;
  const encoded = messages.map((message, index) => {
    let bytes: Uint8Array;
    try {
      bytes = pack(message, spec);
    } catch (error) {
      throw inMessage(error, index, messages.length);
    }
    return framing.kind === 'none' && framing.headerLength === 0 ? Buffer.from(bytes) : encodeFrame(bytes, framing, header);
  });
  if (flags.raw) {
    process.stdout.write(Buffer.concat(encoded));
    return;
  }
  if (globals.json) {
    const rows = encoded.map((bytes) => ({ hex: bytes.toString('hex').toUpperCase(), length: bytes.length }));
    process.stdout.write(`${JSON.stringify(rows.length === 1 ? rows[0] : rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${encoded.map((bytes) => bytes.toString('hex').toUpperCase()).join('\n')}\n`);
}

function specsList(command: Command): void {
  const globals = command.optsWithGlobals<{ json?: boolean }>();
  const specs = listBuiltinSpecs();
  if (globals.json) {
    process.stdout.write(`${JSON.stringify(specs, null, 2)}\n`);
    return;
  }
  const width = Math.max(...specs.map((spec) => spec.name.length));
  process.stdout.write(`${specs.map((spec) => `${spec.name.padEnd(width)}  ${spec.title}`).join('\n')}\n`);
}

function specsShow(reference: string, command: Command): void {
  const globals = command.optsWithGlobals<{ json?: boolean }>();
  const spec = resolveSpec(reference);
  const document = spec.document;
  if (globals.json) {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const lines = [
    `${document.name}: ${document.title}`,
    `source: ${spec.source}`,
    `mti: ${document.mti.encoding}   bitmap: ${document.bitmap.encoding}${document.bitmap.tertiary ? ' (tertiary)' : ''}`,
  ];
  if (document.description) lines.push(document.description);
  lines.push('');
  for (const field of spec.fieldNumbers) {
    const doc = document.fields[String(field)];
    if (!doc) continue;
    const length = doc.prefix && doc.prefix !== 'fixed' ? `${doc.prefix}${doc.length}` : `${doc.length}`;
    const encoding = doc.encoding ?? document.defaults?.encoding ?? '';
    const extra = [doc.subfields ? `${doc.subfields.kind} subfields` : '', doc.sensitive ? `sensitive: ${doc.sensitive === true ? 'secret' : doc.sensitive}` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(
      `DE ${String(field).padEnd(4)} ${doc.type.padEnd(4)} ${length.padEnd(9)} ${encoding.padEnd(7)} ${doc.description ?? spec.describe(field) ?? ''}${extra ? `  [${extra}]` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function framingOptions(command: Command): Command {
  return command
    .option('--framing <kind>', `message framing: ${FRAMINGS.join(' | ')}`, 'none')
    .option('--header-length <bytes>', 'fixed header (e.g. 5 for a TPDU) after the length prefix')
    .option('--length-includes-prefix', 'the length prefix counts its own bytes');
}

export function register(program: Command): void {
  const iso = program.command('iso8583').description('decode, encode and inspect ISO 8583 messages');

  framingOptions(
    iso
      .command('decode')
      .description('decode ISO 8583 bytes into a table (or JSON with --json); card data masked by default')
      .argument('[hex]', 'the message as hex; otherwise --file or standard input')
      .option('--spec <name|path>', 'builtin spec name or spec file', DEFAULT_SPEC)
      .option('--file <path>', 'read the message from a file (raw bytes)')
      .option('--hex', 'the file / standard input holds hex text, not raw bytes')
      .option('--unmasked', 'show PAN, track data, PIN block and other sensitive values in clear'),
  )
    .addHelpText('after', '\nExample: rig iso8583 decode 30383030822000000000000004000000000000003131323331323030303030303031333031')
    .action((hex: string | undefined, flags: DecodeFlags, command: Command) => decodeCommand(hex, flags, command));

  framingOptions(
    iso
      .command('encode')
      .description('encode a JSON message {"mti","fields"} into ISO 8583 bytes (hex, or raw with --raw)')
      .argument('[json]', 'the message as JSON; otherwise --file or standard input (an array encodes several)')
      .option('--spec <name|path>', 'builtin spec name or spec file', DEFAULT_SPEC)
      .option('--file <path>', 'read the JSON from a file')
      .option('--raw', 'write raw bytes to standard output instead of hex')
      .option('--header <hex>', 'fixed frame header to write (with --header-length)'),
  )
    .addHelpText('after', '\nExample: rig iso8583 encode \'{"mti":"0800","fields":{"7":"1123120000","11":"000001","70":"301"}}\'')
    .action((json: string | undefined, flags: EncodeFlags, command: Command) => encodeCommand(json, flags, command));

  const specs = iso
    .command('specs')
    .description('list the builtin specs; `specs show <name|path>` prints one field by field')
    .action((_options: unknown, command: Command) => specsList(command));
  specs
    .command('show')
    .description('print a spec field by field (or the spec document with --json)')
    .argument('<name|path>', 'builtin spec name or spec file')
    .action((reference: string, _options: unknown, command: Command) => specsShow(reference, command));
}
