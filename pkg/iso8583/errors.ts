/**
 * The ISO 8583 codec's error codes and one constructor that fills in `where` the same way everywhere:
 * `<spec> DE 35 @ byte 57`. Every deliberate failure of pack/unpack/loadSpec goes through here, so callers
 * (CLI, gears, fuzz test) can rely on `err.code` and `err.details.field/offset`.
 * Never used for programming bugs; never includes field values (they may be card data).
 */
import { RigError } from '../errors/index.ts';

export const IsoErrorCode = {
  /** Input ends before the field (or its prefix) does. */
  TRUNCATED: 'ISO_TRUNCATED',
  /** A length prefix is not a number, exceeds the field's maximum or is below its minimum; or a value has the wrong length for a fixed field. */
  BAD_LENGTH: 'ISO_BAD_LENGTH',
  /** A byte/character is not allowed for the field's type or encoding. */
  BAD_CHAR: 'ISO_BAD_CHAR',
  /** A bitmap bit (or a message key) names a field the spec does not define. */
  UNDEFINED_FIELD: 'ISO_UNDEFINED_FIELD',
  /** A bitmap is malformed (bad hex, tertiary bit without tertiary support, …). */
  BAD_BITMAP: 'ISO_BAD_BITMAP',
  /** Bytes left over after the last field (or inside a composite/TLV after its last item). */
  EXTRA_BYTES: 'ISO_EXTRA_BYTES',
  /** The MTI is not 4 decimal digits. */
  BAD_MTI: 'ISO_BAD_MTI',
  /** A message value has the wrong JS type for its field (e.g. an object for a text field). */
  BAD_VALUE: 'ISO_BAD_VALUE',
  /** TLV nesting deeper than the limit, or a malformed tag. */
  BAD_TLV: 'ISO_BAD_TLV',
  /** The spec file is unreadable, invalid against the schema, or inconsistent. */
  BAD_SPEC: 'ISO_BAD_SPEC',
  /** A builtin spec name that does not exist. */
  UNKNOWN_SPEC: 'ISO_UNKNOWN_SPEC',
} as const;

export type IsoErrorCodeValue = (typeof IsoErrorCode)[keyof typeof IsoErrorCode];

/**
 * Build a codec error. `label` is `DE 35`, `DE 127.3`, `mti`, `bitmap`…; `offset` the byte offset where
 * the problem was found (undefined when packing).
 */
export function isoError(
  code: IsoErrorCodeValue,
  label: string,
  offset: number | undefined,
  reason: string,
  hint?: string,
): RigError {
  const where = offset === undefined ? label : `${label} @ byte ${offset}`;
  return new RigError(code, reason, {
    where,
    exitCode: 2,
    ...(hint === undefined ? {} : { hint }),
    details: { field: label, offset },
  });
}
