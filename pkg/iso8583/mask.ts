/**
 * Field-aware masking of ISO 8583 messages for pretty prints, logs and telemetry. Every place that shows
 * a message to a person or writes it anywhere but the wire goes through `maskMessage` unless the user
 * asked for unmasked output explicitly (CLI `--unmasked`).
 *
 * What is masked, and how, is data: a spec field, subfield or TLV tag may carry
 * `sensitive: 'pan' | 'track1' | 'track2' | 'secret' | false`. Without a spec marking, the well-known
 * data elements get the defaults below (DE 2/34 PAN, DE 35 track 2, DE 36 track 3, DE 45 track 1,
 * DE 52 PIN block) and BER-TLV fields (DE 55) mask the tags the EMV dictionary marks sensitive (57, 5A,
 * 56, 9F1F, 9F20, 9F6B, cardholder name…).
 * DE 14 (expiry) is kept: alone it is not card data a log must hide.
 *
 * The PAN rule itself is pkg/mask's generic `maskPan`; this module only knows where PANs sit in a message.
 * It never mutates its input and never returns an unmasked sensitive value.
 */
import type { FieldDoc, IsoFieldValue, IsoMessage, IsoSpec, SubfieldsDoc, TlvValue } from './index.ts';
import { emvTagInfo } from './index.ts';
import { maskPan } from '../mask/index.ts';
import type { Sensitivity } from './types.ts';

export type { Sensitivity };
/** The PAN rule (first 6/last 4) is pkg/mask's; re-exported so ISO callers need one import. */
export { maskPan };

/** Defaults for ISO 8583 data elements when the spec does not say otherwise. */
export const DEFAULT_SENSITIVE_FIELDS: Readonly<Record<number, Sensitivity>> = {
  2: 'pan',
  34: 'pan',
  35: 'track2',
  36: 'secret',
  45: 'track1',
  52: 'secret',
};

/**
 * How the EMV tags the dictionary (emv-tags.ts) marks sensitive are masked: PAN and track shapes keep
 * their visible digits; every other sensitive tag (discretionary data, cardholder name…) is starred.
 */
const EMV_TAG_SHAPES: Readonly<Record<string, Sensitivity>> = {
  '5A': 'pan',
  '57': 'track2',
  '9F6B': 'track2',
  '56': 'track1',
};

/** Masking of an EMV tag under the default rules, from the shared EMV tag dictionary. */
export function emvTagSensitivity(tag: string): Sensitivity | undefined {
  const info = emvTagInfo(tag);
  if (!info?.sensitive) return undefined;
  return EMV_TAG_SHAPES[info.tag] ?? 'secret';
}

const STAR = '*';

/** Track 2 (`PAN=YYMM…` or BCD `PAN D YYMM…`, optional `;`/`?` sentinels): PAN masked, the rest starred. */
export function maskTrack2(track: string): string {
  const separator = track.search(/[=D]/);
  if (separator < 0) return STAR.repeat(track.length);
  const start = track.startsWith(';') ? 1 : 0;
  const end = track.endsWith('?') ? track.length - 1 : track.length;
  const rest = STAR.repeat(Math.max(0, end - separator - 1));
  return track.slice(0, start) + maskPan(track.slice(start, separator)) + track[separator] + rest + track.slice(end);
}

/** Track 1 (`B<PAN>^NAME^YYMM…`, optional `%`/`?` sentinels): format code kept, PAN masked, rest starred, `^` kept. */
export function maskTrack1(track: string): string {
  const firstCaret = track.indexOf('^');
  if (firstCaret < 0) return STAR.repeat(track.length);
  const start = track.startsWith('%') ? 2 : 1;
  const head = track.slice(0, start);
  const pan = maskPan(track.slice(start, firstCaret));
  const rest = track.slice(firstCaret).replace(/[^^?]/g, STAR);
  return head + pan + rest;
}

function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Mask one scalar. Binary values become masked upper-case hex text (BCD PANs and tracks read as digits). */
function maskScalar(value: string | Uint8Array, how: Sensitivity): string {
  if (how === 'secret') return STAR.repeat(typeof value === 'string' ? value.length : value.byteLength * 2);
  const text = typeof value === 'string' ? value : bytesToHex(value);
  if (how === 'pan') {
    // BCD PANs of odd length carry a trailing F pad nibble: keep it out of the visible last four.
    const padded = typeof value !== 'string' && text.endsWith('F');
    return padded ? `${maskPan(text.slice(0, -1))}F` : maskPan(text);
  }
  if (how === 'track2') {
    const padded = typeof value !== 'string' && text.endsWith('F');
    return padded ? `${maskTrack2(text.slice(0, -1))}F` : maskTrack2(text);
  }
  return maskTrack1(text);
}

/** Mask a whole value, whatever its shape (composites and TLV lists are starred item by item). */
function maskWhole(value: IsoFieldValue, how: Sensitivity): IsoFieldValue {
  if (typeof value === 'string' || value instanceof Uint8Array) return maskScalar(value, how);
  if (Array.isArray(value)) return value.map((item) => ({ tag: item.tag, value: maskTlvValue(item.value, how) }));
  const out: Record<string, IsoFieldValue> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = maskWhole(inner, 'secret');
  return out;
}

function maskTlvValue(value: TlvValue['value'], how: Sensitivity): TlvValue['value'] {
  if (Array.isArray(value)) return value.map((item) => ({ tag: item.tag, value: maskTlvValue(item.value, 'secret') }));
  return maskScalar(value, how);
}

/* ----------------------------------------------------------------------------------------------------------
 * Rules compiled from a spec once (cached per spec), so masking on a log/telemetry path does no spec walks.
 * -------------------------------------------------------------------------------------------------------- */

interface TlvRules {
  tags: Map<string, Sensitivity | false>;
  /** Rules for the subfields of a tag's value (constructed tags, nested TLVs). */
  nested: Map<string, Rules>;
  /** Apply the EMV defaults to tags the spec does not mention. */
  emvDefaults: boolean;
}

interface Rules {
  /** Whole-value rule for this field/subfield. */
  self: Sensitivity | false | undefined;
  /** Rules for composite subfields by id. */
  subfields: Map<string, Rules> | undefined;
  tlv: TlvRules | undefined;
}

/** The spec's `sensitive` marking: `true` means all starred, `false` turns a default off. */
function declaredSensitivity(doc: { sensitive?: Sensitivity | boolean } | undefined): Sensitivity | false | undefined {
  const value = doc?.sensitive;
  return value === true ? 'secret' : value;
}

function compileSubfields(subfields: SubfieldsDoc | undefined, field: number | undefined): Pick<Rules, 'subfields' | 'tlv'> {
  if (!subfields) return { subfields: undefined, tlv: field === 55 ? emvOnlyRules() : undefined };
  if (subfields.kind === 'tlv') {
    const tags = new Map<string, Sensitivity | false>();
    const nested = new Map<string, Rules>();
    for (const [tag, tagDoc] of Object.entries(subfields.tags ?? {})) {
      const declared = declaredSensitivity(tagDoc);
      if (declared !== undefined) tags.set(tag.toUpperCase(), declared);
      if (tagDoc.subfields) nested.set(tag.toUpperCase(), { self: declared, ...compileSubfields(tagDoc.subfields, undefined) });
    }
    const emvDefaults = subfields.tag.format === 'ber' || subfields.dictionary === 'emv';
    return { subfields: undefined, tlv: { tags, nested, emvDefaults } };
  }
  const map = new Map<string, Rules>();
  for (const [id, doc] of Object.entries(subfields.fields)) map.set(id, compileField(doc, undefined));
  return { subfields: map, tlv: undefined };
}

function compileField(doc: FieldDoc | undefined, field: number | undefined): Rules {
  const declared = declaredSensitivity(doc);
  const self = declared ?? (field === undefined ? undefined : DEFAULT_SENSITIVE_FIELDS[field]);
  return { self, ...compileSubfields(doc?.subfields, field) };
}

function emvOnlyRules(): TlvRules {
  return { tags: new Map(), nested: new Map(), emvDefaults: true };
}

const defaultRules = new Map<number, Rules>();
for (const field of [...Object.keys(DEFAULT_SENSITIVE_FIELDS).map(Number), 55]) defaultRules.set(field, compileField(undefined, field));

const rulesBySpec = new WeakMap<IsoSpec, Map<number, Rules>>();

function rulesFor(spec: IsoSpec | undefined): Map<number, Rules> {
  if (!spec) return defaultRules;
  let rules = rulesBySpec.get(spec);
  if (!rules) {
    rules = new Map();
    for (const [key, doc] of Object.entries(spec.document.fields)) {
      const field = Number(key);
      const compiled = compileField(doc, field);
      if (compiled.self !== undefined || compiled.subfields || compiled.tlv) rules.set(field, compiled);
    }
    // Defaults for well-known fields the spec leaves out entirely, so a sparse spec never leaks them.
    for (const [field, fallback] of defaultRules) if (!rules.has(field)) rules.set(field, fallback);
    rulesBySpec.set(spec, rules);
  }
  return rules;
}

function applyRules(value: IsoFieldValue, rules: Rules): IsoFieldValue {
  if (rules.self) return maskWhole(value, rules.self);
  if (Array.isArray(value) && rules.tlv) return maskTlvList(value, rules.tlv);
  if (rules.subfields && typeof value === 'object' && !(value instanceof Uint8Array) && !Array.isArray(value)) {
    let out: Record<string, IsoFieldValue> | undefined;
    for (const [id, inner] of Object.entries(value)) {
      const innerRules = rules.subfields.get(id);
      if (!innerRules) continue;
      const masked = applyRules(inner, innerRules);
      if (masked !== inner) {
        out ??= { ...value };
        out[id] = masked;
      }
    }
    return out ?? value;
  }
  return value;
}

function maskTlvList(items: TlvValue[], rules: TlvRules): TlvValue[] {
  return items.map((item) => {
    const tag = item.tag.toUpperCase();
    const declared = rules.tags.get(tag);
    const how = declared ?? (rules.emvDefaults ? emvTagSensitivity(tag) : undefined);
    if (how) return { tag: item.tag, value: maskTlvValue(item.value, how) };
    if (Array.isArray(item.value)) {
      const nested = rules.nested.get(tag);
      // Constructed tags (70, 77, …) hold tags of the same dictionary: recurse with the same rules.
      return { tag: item.tag, value: maskTlvList(item.value, nested?.tlv ?? rules) };
    }
    return item;
  });
}

/**
 * A copy of `message` safe to print or log: sensitive values replaced by masked text, everything else
 * shared with the input (not copied). Pass the spec the message was decoded with so its `sensitive`
 * markings apply; without one the ISO 8583 defaults are used.
 */
export function maskMessage(message: IsoMessage, spec?: IsoSpec): IsoMessage {
  const rules = rulesFor(spec);
  const fields: Record<number, IsoFieldValue> = {};
  for (const [key, value] of Object.entries(message.fields)) {
    const field = Number(key);
    const fieldRules = rules.get(field);
    fields[field] = fieldRules ? applyRules(value, fieldRules) : value;
  }
  return { mti: message.mti, fields };
}

/** The masking rule that applies to a top-level data element (for printers that mark masked rows). */
export function fieldSensitivity(field: number, spec?: IsoSpec): Sensitivity | undefined {
  return rulesFor(spec).get(field)?.self || undefined;
}
