/**
 * Human and JSON renderings of a decoded ISO 8583 message, for the CLI, logs and debugging. Both are
 * masked by default (mask.ts); only `unmasked: true`, which a person asked for explicitly, shows card
 * data. The JSON form is the one `rig iso8583 encode` reads back: binary values become upper-case hex.
 *
 * This module never decodes bytes itself (it renders what unpack/unpackDetailed returned).
 */
import { emvTagInfo, type IsoFieldSpan, type IsoFieldValue, type IsoMessage, type IsoSpec, type TlvValue } from './index.ts';
import { maskMessage } from './mask.ts';

export interface RenderOptions {
  /** Show sensitive values in clear. Only for an explicit user request (`--unmasked`). */
  unmasked?: boolean;
  /** Field positions from unpackDetailed; adds an offset/length column to the table. */
  spans?: readonly IsoFieldSpan[];
}

/** JSON-safe value: text as is, bytes as upper-case hex, composites and TLV lists recursively. */
export type JsonFieldValue = string | { [subfield: string]: JsonFieldValue } | { tag: string; value: JsonFieldValue }[];

export interface JsonMessage {
  mti: string;
  fields: Record<string, JsonFieldValue>;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

function jsonValue(value: IsoFieldValue | TlvValue['value']): JsonFieldValue {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map((item) => ({ tag: item.tag, value: jsonValue(item.value) }));
  const out: Record<string, JsonFieldValue> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = jsonValue(inner);
  return out;
}

/** The message as plain JSON data (masked unless asked otherwise). */
export function messageToJson(message: IsoMessage, spec: IsoSpec | undefined, options: RenderOptions = {}): JsonMessage {
  const shown = options.unmasked ? message : maskMessage(message, spec);
  const fields: Record<string, JsonFieldValue> = {};
  for (const [key, value] of Object.entries(shown.fields)) fields[key] = jsonValue(value);
  return { mti: shown.mti, fields };
}

interface Row {
  label: string;
  where: string;
  description: string;
  value: string;
}

/** Printable text: control and non-ASCII characters escaped so a table never breaks or hides bytes. */
function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\uffff]/g, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

function scalarText(value: string | Uint8Array): string {
  return typeof value === 'string' ? printable(value) : `<${value.byteLength} bytes> ${hex(value)}`;
}

function spanText(span: IsoFieldSpan | undefined): string {
  return span ? `@${span.start}+${span.end - span.start}` : '';
}

function tlvRows(items: TlvValue[], indent: string, path: string[], spec: IsoSpec | undefined, rows: Row[], field: number): void {
  for (const item of items) {
    const described = spec?.describe(field, ...path, item.tag) ?? emvTagInfo(item.tag)?.name ?? '';
    if (Array.isArray(item.value)) {
      rows.push({ label: `${indent}${item.tag}`, where: '', description: described, value: '' });
      tlvRows(item.value, `${indent}  `, [...path, item.tag], spec, rows, field);
    } else {
      rows.push({ label: `${indent}${item.tag}`, where: '', description: described, value: scalarText(item.value) });
    }
  }
}

function valueRows(value: IsoFieldValue, label: string, indent: string, field: number, path: string[], spec: IsoSpec | undefined, where: string, rows: Row[]): void {
  const description = spec?.describe(field, ...path) ?? '';
  if (typeof value === 'string' || value instanceof Uint8Array) {
    rows.push({ label: `${indent}${label}`, where, description, value: scalarText(value) });
    return;
  }
  rows.push({ label: `${indent}${label}`, where, description, value: '' });
  if (Array.isArray(value)) {
    tlvRows(value, `${indent}  `, path, spec, rows, field);
    return;
  }
  for (const [id, inner] of Object.entries(value)) valueRows(inner, `.${id}`, `${indent}  `, field, [...path, id], spec, '', rows);
}

/**
 * A table, one row per field (subfields and TLV tags indented below their field):
 *
 *   MTI     0200
 *   DE 2    @20+18  Primary account number   411111******1111
 */
export function formatMessageTable(message: IsoMessage, spec: IsoSpec | undefined, options: RenderOptions = {}): string {
  const shown = options.unmasked ? message : maskMessage(message, spec);
  const spanByField = new Map<number, IsoFieldSpan>();
  let mtiSpan: IsoFieldSpan | undefined;
  for (const span of options.spans ?? []) {
    if (span.depth === 0 && span.field !== undefined && span.path.length === 0) spanByField.set(span.field, span);
    else if (span.label === 'mti') mtiSpan = span;
  }
  const rows: Row[] = [{ label: 'MTI', where: spanText(mtiSpan), description: '', value: shown.mti }];
  const numbers = Object.keys(shown.fields)
    .map(Number)
    .sort((a, b) => a - b);
  for (const field of numbers) {
    const value = shown.fields[field] as IsoFieldValue;
    valueRows(value, `DE ${field}`, '', field, [], spec, spanText(spanByField.get(field)), rows);
  }
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const whereWidth = Math.max(...rows.map((row) => row.where.length));
  const descriptionWidth = Math.min(40, Math.max(...rows.map((row) => row.description.length)));
  const lines = rows.map((row) => {
    const description = row.description.length > descriptionWidth ? `${row.description.slice(0, descriptionWidth - 1)}…` : row.description;
    const parts = [row.label.padEnd(labelWidth)];
    if (whereWidth > 0) parts.push(row.where.padEnd(whereWidth));
    if (descriptionWidth > 0) parts.push(description.padEnd(descriptionWidth));
    parts.push(row.value);
    return parts.join('  ').trimEnd();
  });
  if (!options.unmasked) lines.push('(sensitive values masked; --unmasked shows them)');
  return lines.join('\n');
}
