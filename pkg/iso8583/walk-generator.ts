/**
 * The message walk, generated per spec at load time. For every data element the spec defines, in number
 * order, the generated functions test its bitmap bit (unpack) or whether its key holds a value (pack, which
 * learns the bitmap while writing the fields) and handle the field right there: for the common shapes
 * (ASCII text, BCD digits, bytes; see InlineShape in plan.ts) the ordinary case is written out with the
 * field's length, prefix and character table as constants, fixed short fields unrolled; every other shape,
 * and any field whose ordinary case does not apply (a bad character, a bad or out-of-range length, a value
 * that needs padding, the wrong JS type, input that runs out), goes to the field's own compiled codec,
 * which is the reference: it decodes/encodes that field from the same position and throws the typed error
 * the codec has always thrown. So the generated code only ever takes a shortcut the codec would have
 * taken anyway, with the same result; it never decides an error itself.
 *
 * Why generate: a walk that calls one closure per field pays an indirect call, a Reader round trip and
 * context loads per field, and V8 cannot inline closures called from one shared call site. Straight-line
 * code per spec lets the JIT see constants and keep the position in a register (measured in
 * bench/iso8583/README.md). The source is built only from numbers and fixed fragments, never from spec
 * text (labels and tables are passed in as values), so no spec can inject code.
 */
import { decodeBcdDigits } from './encoding/bcd.ts';
import { decodeHexInto, encodeHexFrom } from './encoding/binary.ts';
import { allocBytes, copyBytes } from './encoding/bytes.ts';
import { bytesInRange, textRangeOf, writeAsciiInRange } from './encoding/ascii-range.ts';
import { readLatin1 } from './encoding/latin1.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure } from './io.ts';
import type { AsciiTextInline, BcdDigitsInline, BinaryBytesInline, FieldCodec, GeneratedWalk } from './plan.ts';
import type { Prefixer } from './prefix/index.ts';

/**
 * Fixed fields up to this many characters are checked and read with unrolled code on unpack. Pack writes
 * every text field with one loop instead: with unrolled fixed fields, the 19 text fields of the bench
 * message (two bitmap words) took 1.4-1.6 us to pack and 0.95-1.05 us through loops, while each word's
 * fields alone cost the same either way. The cost appears only when both words' code runs, which points at
 * the size of the unrolled machine code rather than at per-character work (bench/iso8583/README.md,
 * 2026-12-01 15:50). Unpack's unrolled reads still win (a loop per field measured 0.84 of them).
 */
const UNROLL_MAX = 16;

/**
 * Text of a field whose character set is one ASCII range is checked a word at a time on unpack from this
 * many characters, and written natively on pack from LONG_TEXT_PACK (encoding/ascii-range.ts: for 40
 * characters the word check still won, 79 against 91 ns, the native write did not, 94 against 82 ns).
 */
const LONG_TEXT_CHECK = 32;
const LONG_TEXT_PACK = 64;

/** ASCII digit byte -> 0..9, anything else 255 (so OR-ing the digits of a prefix stays < 16 only if all are). */
const ASCII_DIGIT = digitTable(0x30);
const EBCDIC_DIGIT = digitTable(0xf0);
/** Byte -> the two BCD digits it packs (0..99), or 255 when a nibble is over 9. */
const BCD_PAIR = Uint8Array.from({ length: 256 }, (_, b) => ((b >> 4) > 9 || (b & 15) > 9 ? 255 : (b >> 4) * 10 + (b & 15)));
/** Byte -> 1 when both nibbles are decimal digits. */
const BCD_OK = Uint8Array.from({ length: 256 }, (_, b) => ((b >> 4) > 9 || (b & 15) > 9 ? 0 : 1));

/**
 * Track-2 character -> its BCD nibble (0-9 : ; < = > ? -> 0x0-0xF, and D, the separator's other spelling,
 * -> 0xD, as the z codec packs them), 0xff for anything else.
 */
const TRACK2_NIBBLE = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x30 && c <= 0x3f ? c - 0x30 : c === 0x44 ? 0x0d : 0xff));

function digitTable(zero: number): Uint8Array {
  const t = new Uint8Array(256).fill(255);
  for (let d = 0; d < 10; d++) t[zero + d] = d;
  return t;
}

/** Source text being assembled, plus the values the generated code refers to by name. */
class Source {
  readonly lines: string[] = [];
  readonly names: string[] = [];
  readonly values: unknown[] = [];

  /** A factory-level constant for `value`; returns its name. */
  constant(name: string, value: unknown): string {
    this.names.push(name);
    this.values.push(value);
    return name;
  }

  line(text: string): void {
    this.lines.push(text);
  }
}

/*
 * HAS_FIRST: pack asks `n in f` before reading f[n]. A message names ~20 of up to 192 keys, and on node 20 a
 * read of an absent integer key measured ~2 ns where `n in f` (constant n) costs ~0.5 ns (192 keys of an
 * unpacked message: 390 ns read, 115 ns `in` then read of the present ones). For an ordinary object, a
 * key not found by `in` (own or inherited) reads as undefined, so which fields count as present is
 * unchanged (`presence` and packWithFieldCodecs, the reference, still read every key). Only a Proxy whose
 * `has` trap denies a key its `get` trap answers would be packed differently, and no such fields object is
 * supported.
 */

/** The bitmap word and mask of data element n. */
function bitOf(n: number): { word: number; mask: string } {
  return { word: (n - 1) >>> 5, mask: `0x${(0x80000000 >>> ((n - 1) & 31)).toString(16)}` };
}

export function generateWalk(fields: readonly (FieldCodec | undefined)[], tertiary: boolean): GeneratedWalk {
  const defined: number[] = [];
  const undefinedNumbers: number[] = [];
  for (let n = 1; n <= 192; n++) (fields[n] === undefined ? undefinedNumbers : defined).push(n);
  const src = new Source();
  src.constant('readLatin1', readLatin1);
  src.constant('bytesInRange', bytesInRange);
  src.constant('writeAsciiInRange', writeAsciiInRange);
  src.constant('decodeBcdDigits', decodeBcdDigits);
  src.constant('decodeHexInto', decodeHexInto);
  src.constant('encodeHexFrom', encodeHexFrom);
  src.constant('allocBytes', allocBytes);
  src.constant('copyBytes', copyBytes);
  src.constant('ensure', ensure);
  src.constant('ASCII_DIGIT', ASCII_DIGIT);
  src.constant('EBCDIC_DIGIT', EBCDIC_DIGIT);
  src.constant('BCD_PAIR', BCD_PAIR);
  src.constant('BCD_OK', BCD_OK);
  src.constant('TRACK2_NIBBLE', TRACK2_NIBBLE);
  src.constant('undefinedField', (n: number): never => {
    const why =
      n === 1 || (n === 65 && tertiary)
        ? `DE ${n} is a bitmap; bitmaps are derived from the fields present, leave it out`
        : 'the spec defines no such field';
    throw isoError(IsoErrorCode.UNDEFINED_FIELD, `DE ${n}`, undefined, why);
  });
  for (const n of defined) {
    const codec = fields[n]!;
    src.constant(`C${n}`, codec);
    src.constant(`L${n}`, codec.label);
    if (codec.inline !== undefined && codec.inline.kind !== 'binary-bytes') src.constant(`T${n}`, codec.inline.allowed);
  }

  // One function per bitmap word (up to 32 data elements), so no generated function grows past what the
  // optimising compiler accepts (a spec of 192 fields in one function would stay interpreted).
  const words = wordsOf(defined);
  for (const [k, inWord] of words) {
    src.line(`function unpackWord${k}(b, p, end, w, fields, r) {`);
    src.line('  let s = 0, e = 0, l = 0, x = 0, g = 0, ok = 0, i = 0, v;');
    for (const n of inWord) {
      src.line(`  if ((w & ${bitOf(n).mask}) !== 0) { // DE ${n}`);
      emitDecode(src, n, fields[n]!);
      src.line('  }');
    }
    src.line('  return p;');
    src.line('}');
    // pack learns which fields are present while it writes them: no bitmap built first. Each key is asked
    // `n in f` before it is read (see HAS_FIRST).
    src.line(`function packWord${k}(f, wr) {`);
    src.line('  let out = wr.buf, p = wr.pos, v, bits = 0, s = 0, l = 0, x = 0, y = 0, t = 0, g = 0, q = 0, ok = 0, i = 0;');
    for (const n of inWord) {
      src.line(`  if (${n} in f && (v = f[${n}]) !== undefined) { // DE ${n}`);
      src.line(`      bits |= ${bitOf(n).mask};`);
      emitEncode(src, n, fields[n]!);
      src.line('  }');
    }
    src.line('  wr.pos = p;');
    src.line('  return bits;');
    src.line('}');
  }
  src.line('function unpackFields(b, p, end, words, fields, r) {');
  src.line('  let w = 0;');
  for (const [k] of words) src.line(`  w = words[${k}]; if (w !== 0) p = unpackWord${k}(b, p, end, w, fields, r);`);
  src.line('  return p;');
  src.line('}');
  src.line('function packFields(f, words, wr) {');
  for (let k = 0; k < 6; k++) src.line(words.some(([word]) => word === k) ? `  words[${k}] = packWord${k}(f, wr);` : `  words[${k}] = 0;`);
  src.line('}');

  // Unrolled with constant keys: a keyed `in` with a variable key measured no faster than the read.
  src.line('function checkKeys(f) {');
  for (const n of undefinedNumbers) src.line(`  if (${n} in f && f[${n}] !== undefined) undefinedField(${n});`);
  src.line('}');

  src.line('function presence(f, words) {');
  for (let k = 0; k < 6; k++) src.line(`  let w${k} = 0;`);
  for (const n of defined) {
    const { word, mask } = bitOf(n);
    src.line(`  if (f[${n}] !== undefined) w${word} |= ${mask};`);
  }
  src.line('  checkKeys(f);');
  for (let k = 0; k < 6; k++) src.line(`  words[${k}] = w${k};`);
  src.line('}');

  src.line('return { unpackFields, presence, checkKeys, packFields };');

  // The source holds numbers and fixed fragments only (see the module comment); values come in as arguments.
  const factory = new Function(...src.names, src.lines.join('\n')) as (...values: unknown[]) => GeneratedWalk;
  return factory(...src.values);
}

/** The defined data elements grouped by bitmap word (bits 1-32, 33-64, …), words without any left out. */
function wordsOf(defined: readonly number[]): [number, number[]][] {
  const groups: [number, number[]][] = [];
  for (let k = 0; k < 6; k++) {
    const inWord = defined.filter((n) => bitOf(n).word === k);
    if (inWord.length > 0) groups.push([k, inWord]);
  }
  return groups;
}

/* ------------------------------------------------------------------------------------------------ unpack */

const decodeFallback = (n: number) => `r.pos = p; fields[${n}] = C${n}.decode(r, end); p = r.pos;`;

function emitDecode(src: Source, n: number, codec: FieldCodec): void {
  const shape = codec.inline;
  if (shape?.kind === 'ascii-text') emitAsciiDecode(src, n, shape);
  else if (shape?.kind === 'bcd-digits') emitBcdDecode(src, n, shape);
  else if (shape?.kind === 'binary-bytes') emitBinaryDecode(src, n, shape);
  else src.line(`      ${decodeFallback(n)}`);
}

/**
 * Code that reads the length prefix at b[p] into `l`, leaving `g` below the returned limit only when every
 * prefix digit is valid (the prefix bytes are known to lie before `end`).
 */
function prefixRead(prefixer: Prefixer): { code: string; limit: number } {
  const k = prefixer.bytes;
  const parts: string[] = [];
  if (prefixer.encoding === 'binary') {
    parts.push('l = b[p];');
    for (let i = 1; i < k; i++) parts.push(`l = l * 256 + b[p + ${i}];`);
    parts.push('g = 0;');
    return { code: parts.join(' '), limit: 1 };
  }
  const bcd = prefixer.encoding === 'bcd';
  const table = bcd ? 'BCD_PAIR' : prefixer.encoding === 'ascii' ? 'ASCII_DIGIT' : 'EBCDIC_DIGIT';
  parts.push(`x = ${table}[b[p]]; g = x; l = x;`);
  for (let i = 1; i < k; i++) parts.push(`x = ${table}[b[p + ${i}]]; g |= x; l = l * ${bcd ? 100 : 10} + x;`);
  // Valid digits OR together below 16 (chars) / 128 (BCD pairs); one bad byte (255) lifts g above.
  return { code: parts.join(' '), limit: bcd ? 128 : 16 };
}

function emitAsciiDecode(src: Source, n: number, shape: AsciiTextInline): void {
  const T = `T${n}`;
  const { prefixer, maxUnits, minUnits } = shape;
  if (prefixer === undefined && maxUnits <= UNROLL_MAX) {
    src.line(`      e = p + ${maxUnits};`);
    if (maxUnits === 0) {
      src.line(`      if (e <= end) { fields[${n}] = ''; p = e; }`);
      src.line(`      else { ${decodeFallback(n)} }`);
      return;
    }
    // Each byte is loaded once into a local, then checked and passed to String.fromCharCode, instead of
    // being read from the array (and the array re-checked) once for the check and again for the string.
    const names = Array.from({ length: maxUnits }, (_, i) => `c${i}`);
    src.line(`      if (e <= end) { const ${names.map((c, i) => `${c} = b[p + ${i}]`).join(', ')};`);
    src.line(`        if ((${names.map((c) => `${T}[${c}]`).join(' & ')}) !== 0) { fields[${n}] = String.fromCharCode(${names.join(', ')}); p = e; }`);
    src.line(`        else { ${decodeFallback(n)} } }`);
    src.line(`      else { ${decodeFallback(n)} }`);
    return;
  }
  const k = prefixer?.bytes ?? 0;
  src.line(`      s = p + ${k}; e = -1;`);
  if (prefixer === undefined) {
    src.line(`      if (s + ${maxUnits} <= end) e = s + ${maxUnits};`);
  } else {
    const read = prefixRead(prefixer);
    src.line(`      if (s <= end) { ${read.code}`);
    src.line(`        if (g < ${read.limit} && l <= ${maxUnits} && l >= ${minUnits} && s + l <= end) e = s + l; }`);
  }
  const range = textRangeOf(shape.allowed);
  const tableCheck = `ok = 1; for (i = s; i < e; i++) ok &= ${T}[b[i]];`;
  let check = tableCheck;
  if (range !== undefined && range.hi > 0x7f) check = 'ok = 1;'; // type any: every byte is a character
  else if (range !== undefined && maxUnits >= LONG_TEXT_CHECK) check = `if (e - s >= ${LONG_TEXT_CHECK}) ok = bytesInRange(b, s, e, ${range.lo}, ${range.hi}); else { ${tableCheck} }`;
  src.line(`      ok = 0; if (e >= 0) { ${check} }`);
  src.line(`      if (ok !== 0) { fields[${n}] = readLatin1(b, s, e); p = e; }`);
  src.line(`      else { ${decodeFallback(n)} }`);
}

function emitBcdDecode(src: Source, n: number, shape: BcdDigitsInline): void {
  const { prefixer, maxUnits, minUnits, padLeft, padNibble, type } = shape;
  const track = type === 'z';
  if (prefixer === undefined && maxUnits >= 1 && maxUnits <= UNROLL_MAX) {
    // Fixed digits, unrolled: the nibbles of each byte, the pad nibble of an odd count checked in place.
    const wire = (maxUnits + 1) >> 1;
    const odd = (maxUnits & 1) === 1;
    const checks: string[] = [];
    const chars: string[] = [];
    for (let j = 0; j < wire; j++) {
      const byte = `b[p + ${j}]`;
      const padHigh = odd && padLeft && j === 0;
      const padLow = odd && !padLeft && j === wire - 1;
      if (padHigh) checks.push(`(${byte} >> 4) === ${padNibble}`);
      else chars.push(`48 + (${byte} >> 4)`);
      if (padLow) checks.push(`(${byte} & 15) === ${padNibble}`);
      else chars.push(`48 + (${byte} & 15)`);
      // Track 2 (z) maps every nibble to a character; digits (n) must be 0-9.
      if (!track) {
        if (padHigh) checks.push(`(${byte} & 15) <= 9`);
        else if (padLow) checks.push(`(${byte} >> 4) <= 9`);
        else checks.push(`BCD_OK[${byte}] === 1`);
      }
    }
    src.line(`      e = p + ${wire};`);
    src.line(`      if (e <= end && ${checks.length === 0 ? 'true' : checks.join(' && ')}) { fields[${n}] = String.fromCharCode(${chars.join(', ')}); p = e; }`);
    src.line(`      else { ${decodeFallback(n)} }`);
    return;
  }
  const k = prefixer?.bytes ?? 0;
  src.line(`      s = p + ${k}; e = -1;`);
  if (prefixer === undefined) {
    src.line(`      l = ${maxUnits}; if (s + ${(maxUnits + 1) >> 1} <= end) e = s + ${(maxUnits + 1) >> 1};`);
  } else {
    const read = prefixRead(prefixer);
    src.line(`      if (s <= end) { ${read.code}`);
    src.line(`        if (g < ${read.limit} && l <= ${maxUnits} && l >= ${minUnits} && s + ((l + 1) >> 1) <= end) e = s + ((l + 1) >> 1); }`);
  }
  // Length and room are checked; the digits are decoded (and refused) exactly as the field codec does.
  src.line(`      if (e >= 0) { fields[${n}] = decodeBcdDigits(b, s, e, l, ${track}, ${padLeft}, ${padNibble}, L${n}); p = e; }`);
  src.line(`      else { ${decodeFallback(n)} }`);
}

/**
 * Bytes, raw or as hex digits: length and room checked here, the value a private copy (copyBytes) or the
 * hex decoded into a new array (allocBytes + decodeHexInto), exactly as the field codec makes it; a bad
 * hex digit sends the field to the codec, which names it.
 */
function emitBinaryDecode(src: Source, n: number, shape: BinaryBytesInline): void {
  const { hex, prefixer, maxUnits, minUnits, countsBytes } = shape;
  const k = prefixer?.bytes ?? 0;
  const wire = hex ? '2 * l' : 'l';
  src.line(`      s = p + ${k}; e = -1;`);
  if (prefixer === undefined) {
    src.line(`      l = ${maxUnits}; if (s + ${hex ? 2 * maxUnits : maxUnits} <= end) e = s + ${hex ? 2 * maxUnits : maxUnits};`);
  } else {
    const read = prefixRead(prefixer);
    // A prefix counting hex digits must be even (255 in g fails the digit check); l becomes the byte count.
    const toBytes = hex && countsBytes ? ' if ((l & 1) !== 0) g = 255; l = l >> 1;' : '';
    src.line(`      if (s <= end) { ${read.code}${toBytes}`);
    src.line(`        if (g < ${read.limit} && l <= ${maxUnits} && l >= ${minUnits} && s + ${wire} <= end) e = s + ${wire}; }`);
  }
  if (hex) {
    src.line(`      ok = 0; if (e >= 0) { v = allocBytes(l); if (decodeHexInto(b, s, l, v) < 0) ok = 1; }`);
    src.line(`      if (ok !== 0) { fields[${n}] = v; p = e; }`);
  } else {
    src.line(`      if (e >= 0) { fields[${n}] = copyBytes(b, s, e); p = e; }`);
  }
  src.line(`      else { ${decodeFallback(n)} }`);
}

/* -------------------------------------------------------------------------------------------------- pack */

const encodeFallback = (n: number) => `wr.pos = p; C${n}.encode(v, wr); out = wr.buf; p = wr.pos;`;

/** The encoding of DE n, its value already in `v` (not undefined). */
function emitEncode(src: Source, n: number, codec: FieldCodec): void {
  const shape = codec.inline;
  if (shape?.kind === 'ascii-text') emitAsciiEncode(src, n, shape);
  else if (shape?.kind === 'bcd-digits') emitBcdEncode(src, n, shape);
  else if (shape?.kind === 'binary-bytes') emitBinaryEncode(src, n, shape);
  else src.line(`      ${encodeFallback(n)}`);
}

/** Code writing the number in `x` as the length prefix at out[p] (x is consumed). */
function prefixWrite(prefixer: Prefixer): string {
  const parts: string[] = [];
  for (let i = prefixer.bytes - 1; i >= 0; i--) {
    switch (prefixer.encoding) {
      case 'ascii':
      case 'ebcdic':
        parts.push(`out[p + ${i}] = ${prefixer.encoding === 'ascii' ? 0x30 : 0xf0} + (x % 10); x = (x / 10) | 0;`);
        break;
      case 'bcd':
        parts.push(`t = x % 100; out[p + ${i}] = (((t / 10) | 0) << 4) | (t % 10); x = (x / 100) | 0;`);
        break;
      case 'binary':
        parts.push(`out[p + ${i}] = x & 255; x = (x / 256) | 0;`);
        break;
    }
  }
  return parts.join(' ');
}

/** The length test of the ordinary case: exactly the fixed length (no padding), or within min..max. */
function lengthFits(prefixer: Prefixer | undefined, maxUnits: number, minUnits: number): string {
  return prefixer === undefined ? `v.length === ${maxUnits}` : `v.length <= ${maxUnits} && v.length >= ${minUnits}`;
}

function emitAsciiEncode(src: Source, n: number, shape: AsciiTextInline): void {
  const { prefixer, maxUnits, minUnits } = shape;
  const k = prefixer?.bytes ?? 0;
  // Fixed fields too: one loop per field keeps the generated pack small (see UNROLL_MAX).
  src.line(`      if (typeof v === 'string' && ${lengthFits(prefixer, maxUnits, minUnits)}) {`);
  src.line(`        l = v.length; if (p + ${k} + l > out.length) { wr.pos = p; ensure(wr, ${k} + l); out = wr.buf; }`);
  src.line(`        s = p + ${k}; ok = 1;`);
  const loop = `for (i = 0; i < l; i++) { x = v.charCodeAt(i); if (x > 255 || T${n}[x] === 0) { ok = 0; break; } out[s + i] = x; }`;
  const range = maxUnits >= LONG_TEXT_PACK ? textRangeOf(shape.allowed) : undefined;
  if (range === undefined) src.line(`        ${loop}`);
  // A long value that is not plain ASCII in range goes through the loop, which finds the character (or, for type any, writes it).
  else src.line(`        if (l < ${LONG_TEXT_PACK} || writeAsciiInRange(out, v, s, ${range.lo}, ${range.hi}) === 0) ${loop}`);
  src.line(`        if (ok !== 0) { ${prefixer === undefined ? '' : `x = l; ${prefixWrite(prefixer)} `}p = s + l; }`);
  src.line(`        else { ${encodeFallback(n)} }`);
  src.line(`      } else { ${encodeFallback(n)} }`);
}

function emitBcdEncode(src: Source, n: number, shape: BcdDigitsInline): void {
  const { prefixer, maxUnits, minUnits, padLeft, padNibble, type } = shape;
  const k = prefixer?.bytes ?? 0;
  src.line(`      if (typeof v === 'string' && ${lengthFits(prefixer, maxUnits, minUnits)}) {`);
  src.line(`        l = v.length; if (p + ${k} + ((l + 1) >> 1) > out.length) { wr.pos = p; ensure(wr, ${k} + ((l + 1) >> 1)); out = wr.buf; }`);
  if (prefixer !== undefined) src.line(`        x = l; ${prefixWrite(prefixer)}`);
  if (type === 'z') {
    // Track 2, two characters at a time through TRACK2_NIBBLE (0xff for anything else); a code point over
    // 255 is flagged by its high bits. g > 15 means a bad character, which the field codec then reports.
    src.line(`        q = p + ${k}; i = 0; g = 0;`);
    if (padLeft) src.line(`        if ((l & 1) === 1) { s = v.charCodeAt(0); x = TRACK2_NIBBLE[s & 255]; g = x | (s & 0xff00); out[q++] = ${padNibble << 4} | x; i = 1; }`);
    src.line('        for (; i + 1 < l; i += 2) { s = v.charCodeAt(i); t = v.charCodeAt(i + 1); x = TRACK2_NIBBLE[s & 255]; y = TRACK2_NIBBLE[t & 255]; g |= x | y | ((s | t) & 0xff00); out[q++] = (x << 4) | y; }');
    if (!padLeft) src.line(`        if (i < l) { s = v.charCodeAt(i); x = TRACK2_NIBBLE[s & 255]; g |= x | (s & 0xff00); out[q++] = (x << 4) | ${padNibble}; }`);
    src.line(`        if (g <= 15) p = q; else { ${encodeFallback(n)} }`);
    src.line(`      } else { ${encodeFallback(n)} }`);
    return;
  }
  // Digits two by two; x | (9 - x) is negative exactly when x is not 0..9, so g < 0 flags any bad character
  // (the field codec then reports it).
  src.line(`        q = p + ${k}; i = 0; g = 0;`);
  if (padLeft) src.line(`        if ((l & 1) === 1) { x = v.charCodeAt(0) - 48; g = x | (9 - x); out[q++] = ${padNibble << 4} | x; i = 1; }`);
  src.line('        for (; i + 1 < l; i += 2) { x = v.charCodeAt(i) - 48; t = v.charCodeAt(i + 1) - 48; g |= x | (9 - x) | t | (9 - t); out[q++] = (x << 4) | t; }');
  if (!padLeft) src.line(`        if (i < l) { x = v.charCodeAt(i) - 48; g |= x | (9 - x); out[q++] = (x << 4) | ${padNibble}; }`);
  src.line(`        if (g >= 0) p = q; else { ${encodeFallback(n)} }`);
  src.line(`      } else { ${encodeFallback(n)} }`);
}

/**
 * Bytes given as a Uint8Array of an allowed length: prefix, then the bytes or their hex digits, as the field
 * codec writes them. Anything else (a hex string, which the codec also takes; a wrong type or length) goes
 * to the codec.
 */
function emitBinaryEncode(src: Source, n: number, shape: BinaryBytesInline): void {
  const { hex, prefixer, maxUnits, minUnits, countsBytes } = shape;
  const k = prefixer?.bytes ?? 0;
  src.line(`      if (v instanceof Uint8Array && ${lengthFits(prefixer, maxUnits, minUnits)}) {`);
  // y: wire bytes of the value (prefixWrite uses x and t).
  src.line(`        l = v.length; y = ${hex ? '2 * l' : 'l'}; if (p + ${k} + y > out.length) { wr.pos = p; ensure(wr, ${k} + y); out = wr.buf; }`);
  if (prefixer !== undefined) src.line(`        x = ${countsBytes ? 'y' : 'l'}; ${prefixWrite(prefixer)}`);
  if (hex) src.line(`        wr.pos = p + ${k}; encodeHexFrom(v, l, wr); p = wr.pos;`);
  // TypedArray.prototype.set costs a fixed call; short values (DE 52, DE 64: 8 bytes) copy faster in a loop.
  else src.line(`        s = p + ${k}; if (l > 32) out.set(v, s); else for (i = 0; i < l; i++) out[s + i] = v[i]; p = s + l;`);
  src.line(`      } else { ${encodeFallback(n)} }`);
}
