/**
 * TLV subfields: a run of tag-length-value items filling a field (DE 55 EMV BER-TLV, DE 48 private TLVs).
 * Tags and lengths are either BER (EMV: multi-byte tags, definite short/long lengths) or fixed-size in an
 * encoding. Constructed BER tags (bit 6 of the first tag byte) hold nested items, up to MAX_TLV_DEPTH.
 * Every accepted input re-packs byte-exact: non-minimal or indefinite BER lengths are rejected, values are
 * kept as raw bytes. Never loops without consuming input; never recurses past the depth limit.
 */
import { CHARSETS, firstBadByte, firstBadChar, showByte } from './charset.ts';
import { parseHex } from './encoding/binary.ts';
import { copyBytes } from './encoding/bytes.ts';
import { EBCDIC_TO_LATIN1, LATIN1_TO_EBCDIC } from './encoding/cp037.ts';
import { readLatin1, writeLatin1 } from './encoding/latin1.ts';
import { describeValue } from './encoding/text.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import type { FieldContext } from './field.ts';
import { specError } from './field.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { SubfieldCodec } from './plan.ts';
import { makePrefixer, type Prefixer } from './prefix/index.ts';
import { emvTagInfo } from './emv-tags.ts';
import * as ber from './ber.ts';
import * as emvFastPath from './tlv-emv.ts';
import type { TlvSubfieldsDoc, TlvValue } from './types.ts';

// Module-level copies of what the item loops call: an imported binding is read through a cell on every
// use (see HEX_TABLES in encoding/binary.ts).
const { isBerTag, ONE_BYTE_TAGS, twoByteTagText, writeShortBerTag } = ber;
const { decodeEmvItems, encodeEmvItems } = emvFastPath;

/** Deepest nesting of constructed tags accepted (EMV templates nest two or three deep in practice). */
export const MAX_TLV_DEPTH = 8;

const TEXT = CHARSETS.ans;

type ValueEncoding = 'ascii' | 'ebcdic' | 'binary';

export interface TlvOptions {
  /** false: always the general walk, never tlv-emv.ts (tests compare the two). */
  fastPaths?: boolean;
}

export function tlvSubfields(doc: TlvSubfieldsDoc, parent: FieldContext, options: TlvOptions = {}): SubfieldCodec {
  const where = `${parent.specWhere}.subfields`;
  const berTags = doc.tag.format === 'ber';
  const berLengths = doc.length.format === 'ber';
  const tagBytes = doc.tag.format === 'fixed' ? doc.tag.length : 0;
  const tagEncoding = doc.tag.format === 'fixed' ? doc.tag.encoding : 'binary';
  const valueEncoding: ValueEncoding = doc.value?.encoding ?? (berTags ? 'binary' : 'ascii');
  let lengthPrefixer: Prefixer | undefined;
  if (doc.length.format === 'fixed') {
    const { encoding, digits } = doc.length;
    // For binary lengths `digits` is the byte count; allow the full range of those bytes.
    lengthPrefixer = encoding === 'binary' ? makePrefixer(digits * 3, 'binary', digits) : makePrefixer(digits, encoding);
  }
  if (!berTags && (!Number.isInteger(tagBytes) || tagBytes < 1)) throw specError(`${where}.tag.length`, 'a fixed tag is at least 1 byte');
  const useDictionary = doc.dictionary === 'emv';
  const tagDocs = doc.tags ?? {};
  for (const [tag, tagDoc] of Object.entries(tagDocs)) {
    if (tagDoc.subfields !== undefined) {
      throw specError(`${where}.tags.${tag}.subfields`, 'subfields inside a TLV value are not decoded by the codec yet', 'remove them; the value stays raw');
    }
  }
  /** A tag's name: the spec's own `tags` entry first, then the EMV dictionary when the field uses it. */
  const tagName = (tag: string): string | undefined =>
    tagDocs[tag]?.description ?? (useDictionary ? emvTagInfo(tag)?.name : undefined);
  const label = parent.label;

  function tagLabel(tag: string): string {
    return `${label} tag ${tag}`;
  }

  /** Set by readTag: offset after the tag, and whether it is a constructed BER tag. */
  let tagEnd = 0;
  let tagConstructed = false;
  /** Tag bytes (as a number: up to 4 bytes plus the count) -> tag text, so a known tag costs one Map lookup. */
  const tagTextCache = new Map<number, string>();

  /** Read one tag at pos; returns its text and sets tagEnd/tagConstructed. */
  function readTag(buf: Uint8Array, pos: number, end: number): string {
    if (berTags) {
      const first = buf[pos]!;
      let p = pos + 1;
      if ((first & 0x1f) === 0x1f) {
        let more = true;
        while (more) {
          if (p >= end) throw isoError(IsoErrorCode.TRUNCATED, label, pos, 'TLV tag runs past the end of the field');
          if (p - pos >= 4) throw isoError(IsoErrorCode.BAD_TLV, label, pos, 'BER tag longer than 4 bytes');
          more = (buf[p]! & 0x80) !== 0;
          p++;
        }
      }
      tagEnd = p;
      tagConstructed = (first & 0x20) !== 0;
      return cachedTagText(buf, pos, p);
    }
    if (pos + tagBytes > end) throw isoError(IsoErrorCode.TRUNCATED, label, pos, `TLV tag needs ${tagBytes} byte(s), ${end - pos} left`);
    tagEnd = pos + tagBytes;
    tagConstructed = false;
    if (tagBytes <= 4) return cachedTagText(buf, pos, tagEnd);
    return decodeTagText(buf, pos, tagEnd);
  }

  function cachedTagText(buf: Uint8Array, start: number, end: number): string {
    let key = end - start;
    for (let i = start; i < end; i++) key = key * 256 + buf[i]!;
    let text = tagTextCache.get(key);
    if (text === undefined) {
      text = decodeTagText(buf, start, end);
      if (tagTextCache.size < TAG_CACHE_LIMIT) tagTextCache.set(key, text);
    }
    return text;
  }

  function decodeTagText(buf: Uint8Array, start: number, end: number): string {
    if (berTags || tagEncoding === 'binary') return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('hex').toUpperCase();
    let text = '';
    for (let i = start; i < end; i++) {
      const c = tagEncoding === 'ebcdic' ? EBCDIC_TO_LATIN1[buf[i]!]! : buf[i]!;
      if (TEXT[c] === 0) throw isoError(IsoErrorCode.BAD_TLV, label, i, `TLV tag character ${showByte(c)} is not printable`);
      text += String.fromCharCode(c);
    }
    return text;
  }

  /** Set by readLength: offset after the length. */
  let lengthEnd = 0;

  /** Read one length at pos; returns it and sets lengthEnd. */
  function readLength(buf: Uint8Array, pos: number, end: number, tag: string): number {
    if (lengthPrefixer !== undefined) {
      if (pos + lengthPrefixer.bytes > end) {
        throw isoError(IsoErrorCode.TRUNCATED, tagLabel(tag), pos, `TLV length needs ${lengthPrefixer.bytes} byte(s), ${end - pos} left`);
      }
      lengthEnd = pos + lengthPrefixer.bytes;
      return lengthPrefixer.decode(buf, pos, tagLabel(tag));
    }
    if (pos >= end) throw isoError(IsoErrorCode.TRUNCATED, tagLabel(tag), pos, 'TLV length runs past the end of the field');
    const first = buf[pos]!;
    if (first < 0x80) {
      lengthEnd = pos + 1;
      return first;
    }
    const count = first & 0x7f;
    if (count === 0) throw isoError(IsoErrorCode.BAD_LENGTH, tagLabel(tag), pos, 'indefinite BER length is not allowed in EMV data');
    if (count > 3) throw isoError(IsoErrorCode.BAD_LENGTH, tagLabel(tag), pos, `BER length of ${count} bytes is too long`);
    if (pos + 1 + count > end) throw isoError(IsoErrorCode.TRUNCATED, tagLabel(tag), pos, 'TLV length runs past the end of the field');
    let n = 0;
    for (let i = 1; i <= count; i++) n = n * 256 + buf[pos + i]!;
    if (n < 0x80 || (count > 1 && buf[pos + 1] === 0)) {
      throw isoError(IsoErrorCode.BAD_LENGTH, tagLabel(tag), pos, 'BER length is not in its shortest form', 'only minimal lengths re-pack byte-exact');
    }
    lengthEnd = pos + 1 + count;
    return n;
  }

  function decodeValue(buf: Uint8Array, start: number, end: number, tag: string): string | Uint8Array {
    if (valueEncoding === 'binary') return copyBytes(buf, start, end);
    if (valueEncoding === 'ascii') {
      const bad = firstBadByte(buf, start, end, TEXT);
      if (bad >= 0) throw isoError(IsoErrorCode.BAD_CHAR, tagLabel(tag), bad, `character ${showByte(buf[bad]!)} is not printable`);
      return readLatin1(buf, start, end);
    }
    let text = '';
    for (let i = start; i < end; i++) {
      const c = EBCDIC_TO_LATIN1[buf[i]!]!;
      if (TEXT[c] === 0) throw isoError(IsoErrorCode.BAD_CHAR, tagLabel(tag), i, `character ${showByte(c)} is not printable`);
      text += String.fromCharCode(c);
    }
    return text;
  }

  function decodeItems(r: Reader, start: number, end: number, depth: number, path: readonly string[]): TlvValue[] {
    if (depth > MAX_TLV_DEPTH) throw isoError(IsoErrorCode.BAD_TLV, label, start, `TLV nesting deeper than ${MAX_TLV_DEPTH}`);
    const items: TlvValue[] = [];
    let pos = start;
    while (pos < end) {
      const itemStart = pos;
      const buf = r.buf;
      let tag: string;
      let constructed: boolean;
      let at: number;
      const first = buf[pos]!;
      if (berTags && (first & 0x1f) !== 0x1f) {
        // Fast path: one-byte BER tag (82, 95, 9A…).
        tag = ONE_BYTE_TAGS[first]!;
        constructed = (first & 0x20) !== 0;
        at = pos + 1;
      } else if (berTags && pos + 1 < end && (buf[pos + 1]! & 0x80) === 0) {
        // Fast path: two-byte BER tag (9F02, 5F2A…).
        tag = twoByteTagText(first, buf[pos + 1]!);
        constructed = (first & 0x20) !== 0;
        at = pos + 2;
      } else {
        tag = readTag(buf, pos, end);
        constructed = tagConstructed;
        at = tagEnd;
      }
      let length: number;
      let valueStart: number;
      if (berLengths && at < end && buf[at]! < 0x80) {
        // Fast path: short-form BER length.
        length = buf[at]!;
        valueStart = at + 1;
      } else {
        length = readLength(buf, at, end, tag);
        valueStart = lengthEnd;
      }
      const valueEnd = valueStart + length;
      if (valueEnd > end) {
        throw isoError(IsoErrorCode.TRUNCATED, tagLabel(tag), valueStart, `TLV value needs ${length} byte(s), ${end - valueStart} left`);
      }
      if (r.spans !== null) {
        const name = tagName(tag);
        r.spans.push({
          label: tagLabel(tag),
          field: parent.field,
          path: [...path, tag],
          start: itemStart,
          dataStart: valueStart,
          end: valueEnd,
          depth: parent.depth + depth,
          description: name ?? '',
        });
      }
      const value = constructed
        ? decodeItems(r, valueStart, valueEnd, depth + 1, r.spans === null ? path : [...path, tag])
        : valueEncoding === 'binary'
          ? copyBytes(buf, valueStart, valueEnd)
          : decodeValue(buf, valueStart, valueEnd, tag);
      items.push({ tag, value });
      pos = valueEnd;
    }
    return items;
  }

  /* ------------------------------------------------------------------ encode */

  /** Tag text -> its wire bytes, validated once. */
  const tagBytesCache = new Map<string, Uint8Array>();

  function tagBytesOf(tag: unknown, at: string): Uint8Array {
    if (typeof tag !== 'string') throw isoError(IsoErrorCode.BAD_VALUE, at, undefined, `TLV tag must be a string, got ${describeValue(tag)}`);
    let bytes = tagBytesCache.get(tag);
    if (bytes === undefined) {
      bytes = parseTag(tag);
      if (tagBytesCache.size < TAG_CACHE_LIMIT) tagBytesCache.set(tag, bytes);
    }
    return bytes;
  }

  /** Write a TLV item's tag at w.pos; returns its first byte. */
  function writeTag(tag: unknown, w: Writer): number {
    ensure(w, 4);
    if (berTags && typeof tag === 'string') {
      // Fast path: the one- and two-byte EMV tags (9A, 9F02…) straight from their hex text, no lookup.
      const written = writeShortBerTag(tag, w.buf, w.pos);
      if (written > 0) {
        w.pos += written;
        return w.buf[w.pos - written]!;
      }
    }
    const bytes = tagBytesOf(tag, label);
    ensure(w, bytes.length);
    for (let i = 0; i < bytes.length; i++) w.buf[w.pos + i] = bytes[i]!;
    w.pos += bytes.length;
    return bytes[0]!;
  }

  function parseTag(tag: string): Uint8Array {
    if (berTags || tagEncoding === 'binary') {
      const bytes = parseHex(tag);
      if (bytes === undefined || bytes.length === 0) throw isoError(IsoErrorCode.BAD_TLV, tagLabel(tag), undefined, 'tag is not hex');
      if (berTags && !isBerTag(bytes)) throw isoError(IsoErrorCode.BAD_TLV, tagLabel(tag), undefined, 'not a well-formed BER tag');
      if (!berTags && bytes.length !== tagBytes) throw isoError(IsoErrorCode.BAD_TLV, tagLabel(tag), undefined, `tags are ${tagBytes} byte(s)`);
      return bytes;
    }
    if (tag.length !== tagBytes) throw isoError(IsoErrorCode.BAD_TLV, tagLabel(tag), undefined, `tags are ${tagBytes} character(s)`);
    const bad = firstBadChar(tag, TEXT);
    if (bad >= 0) throw isoError(IsoErrorCode.BAD_TLV, tagLabel(tag), undefined, 'tag characters must be printable');
    return Uint8Array.from(tag, (c) => (tagEncoding === 'ebcdic' ? LATIN1_TO_EBCDIC[c.charCodeAt(0)]! : c.charCodeAt(0)));
  }

  function writeLength(n: number, w: Writer, tag: string): void {
    if (lengthPrefixer !== undefined) {
      if (n > lengthPrefixer.maxValue) {
        throw isoError(IsoErrorCode.BAD_LENGTH, tagLabel(tag), undefined, `value length ${n} exceeds ${lengthPrefixer.maxValue}`);
      }
      ensure(w, lengthPrefixer.bytes);
      lengthPrefixer.encode(n, w.buf, w.pos);
      w.pos += lengthPrefixer.bytes;
      return;
    }
    ensure(w, 4);
    if (n < 0x80) w.buf[w.pos++] = n;
    else if (n < 0x100) {
      w.buf[w.pos++] = 0x81;
      w.buf[w.pos++] = n;
    } else if (n < 0x10000) {
      w.buf[w.pos++] = 0x82;
      w.buf[w.pos++] = n >> 8;
      w.buf[w.pos++] = n & 0xff;
    } else if (n < 0x1000000) {
      w.buf[w.pos++] = 0x83;
      w.buf[w.pos++] = n >> 16;
      w.buf[w.pos++] = (n >> 8) & 0xff;
      w.buf[w.pos++] = n & 0xff;
    } else throw isoError(IsoErrorCode.BAD_LENGTH, tagLabel(tag), undefined, 'TLV value longer than 16 MiB');
  }

  function valueBytes(value: unknown, tag: string): Uint8Array {
    if (valueEncoding === 'binary') {
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') {
        const bytes = parseHex(value);
        if (bytes !== undefined) return bytes;
      }
      throw isoError(IsoErrorCode.BAD_VALUE, tagLabel(tag), undefined, `TLV value must be bytes or hex, got ${describeValue(value)}`);
    }
    if (typeof value !== 'string') {
      throw isoError(IsoErrorCode.BAD_VALUE, tagLabel(tag), undefined, `TLV value must be a string, got ${describeValue(value)}`);
    }
    const bad = firstBadChar(value, TEXT);
    if (bad >= 0) throw isoError(IsoErrorCode.BAD_CHAR, tagLabel(tag), undefined, `character ${showByte(value.charCodeAt(bad))} is not printable`);
    if (valueEncoding === 'ascii') {
      const out = Buffer.allocUnsafe(value.length);
      writeLatin1(out, value, 0);
      return out;
    }
    return Uint8Array.from(value, (c) => LATIN1_TO_EBCDIC[c.charCodeAt(0)]!);
  }

  function encodeItems(value: unknown, w: Writer, depth: number): void {
    if (depth > MAX_TLV_DEPTH) throw isoError(IsoErrorCode.BAD_TLV, label, undefined, `TLV nesting deeper than ${MAX_TLV_DEPTH}`);
    if (!Array.isArray(value)) throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected a list of TLV items, got ${describeValue(value)}`);
    for (const item of value as unknown[]) {
      if (typeof item !== 'object' || item === null) {
        throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `a TLV item is { tag, value }, got ${describeValue(item)}`);
      }
      const { tag, value: itemValue } = item as { tag: unknown; value: unknown };
      const firstTagByte = writeTag(tag, w);
      const tagText = tag as string;
      const constructed = berTags && (firstTagByte & 0x20) !== 0;
      if (constructed) {
        const inner: Writer = { buf: Buffer.allocUnsafe(64), pos: 0 };
        encodeItems(itemValue, inner, depth + 1);
        writeLength(inner.pos, w, tagText);
        ensure(w, inner.pos);
        inner.buf.copy(w.buf, w.pos, 0, inner.pos);
        w.pos += inner.pos;
      } else {
        const bytes = valueBytes(itemValue, tagText);
        if (berLengths && bytes.length < 0x80) {
          // Fast path: a short-form BER length byte, then the value, after one room check.
          ensure(w, 1 + bytes.length);
          w.buf[w.pos++] = bytes.length;
        } else {
          writeLength(bytes.length, w, tagText);
          ensure(w, bytes.length);
        }
        writeBytes(bytes, w);
      }
    }
  }

  // EMV data (BER tags and lengths, binary values) gets the fast path of tlv-emv.ts for its ordinary case.
  const emv = options.fastPaths !== false && berTags && berLengths && valueEncoding === 'binary';
  return {
    decodeRegion(r: Reader, start: number, end: number) {
      if (emv && r.spans === null) {
        const items = decodeEmvItems(r.buf, start, end, 1, MAX_TLV_DEPTH, false);
        if (items !== undefined) {
          r.pos = end;
          return items;
        }
      }
      const items = decodeItems(r, start, end, 1, parent.path);
      r.pos = end;
      return items;
    },
    encode(value, w) {
      if (emv) {
        const start = w.pos;
        if (encodeEmvItems(value, w, false)) return;
        w.pos = start;
      }
      encodeItems(value, w, 1);
    },
    ...(emv
      ? {
          decodeHexRegion: (buf: Uint8Array, start: number, end: number) => decodeEmvItems(buf, start, end, 1, MAX_TLV_DEPTH, true),
          encodeHex: (value: unknown, w: Writer) => encodeEmvItems(value, w, true),
        }
      : {}),
    describe: (path) => (path.length > 0 ? tagName(path[path.length - 1]!) : undefined),
  };
}

/** Distinct tags remembered per TLV field (bounds memory when a peer sends many different tags). */
const TAG_CACHE_LIMIT = 4096;

function writeBytes(bytes: Uint8Array, w: Writer): void {
  const n = bytes.length;
  if (n > 32) w.buf.set(bytes, w.pos);
  else for (let i = 0; i < n; i++) w.buf[w.pos + i] = bytes[i]!;
  w.pos += n;
}
