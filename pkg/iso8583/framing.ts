/**
 * TCP framing for ISO 8583: how one message is delimited on a byte stream. Hosts and switches put a
 * length prefix in front of every message (2-byte binary big endian, or 4 ASCII digits), sometimes
 * followed by a fixed header such as a 5-byte TPDU that the host echoes back. `none` is for transports
 * that already carry exactly one message (a file, a NATS payload, one message per connection).
 *
 * This module only cuts and glues bytes: it never looks inside the message and never copies a complete
 * frame that arrived in one chunk (frames are views of the chunk). A frame whose declared length
 * exceeds `maxLength` puts the decoder in a failed state (ISO_FRAME_TOO_LARGE) so the owner can close
 * the connection cleanly instead of buffering without bound.
 */
import { RigError } from '../errors/index.ts';

export type FramingKind = 'binary2' | 'ascii4' | 'none';

export interface FramingOptions {
  /** `binary2`: 2-byte big-endian length; `ascii4`: 4 ASCII decimal digits; `none`: one message per transport unit. */
  kind: FramingKind;
  /** The length value counts the prefix bytes themselves (some hosts do this). Default false. */
  lengthIncludesPrefix?: boolean;
  /**
   * Bytes of fixed header (e.g. 5 for a TPDU) between the prefix and the ISO message. They are counted
   * by the length, handed back untouched on decode and written in front of the message on encode.
   */
  headerLength?: number;
  /** Largest message (header + ISO message) accepted, in bytes. Default 65535 (binary2) / 9999 (ascii4). */
  maxLength?: number;
}

/** One decoded frame: the fixed header (empty without one) and the ISO message bytes. */
export interface Frame {
  header: Buffer;
  message: Buffer;
}

const PREFIX_BYTES: Record<FramingKind, number> = { binary2: 2, ascii4: 4, none: 0 };
/** What the prefix can express at all, so a misconfigured maxLength can never promise more. */
const PREFIX_CAPACITY: Record<FramingKind, number> = { binary2: 0xffff, ascii4: 9999, none: 16 * 1024 * 1024 };
const EMPTY = Buffer.alloc(0);
const ASCII_ZERO = 0x30;

/** Options with every default filled in; computed once per connection, read on every frame. */
export interface ResolvedFraming {
  kind: FramingKind;
  prefixBytes: number;
  /** Added to the body length to get the prefix value. */
  lengthBias: number;
  headerLength: number;
  maxLength: number;
}

export function resolveFraming(options: FramingOptions): ResolvedFraming {
  const prefixBytes = PREFIX_BYTES[options.kind];
  if (prefixBytes === undefined) {
    throw new RigError('ISO_FRAME_CONFIG', `unknown framing "${String(options.kind)}"`, {
      hint: 'use one of: binary2, ascii4, none',
      exitCode: 2,
    });
  }
  const headerLength = options.headerLength ?? 0;
  if (!Number.isInteger(headerLength) || headerLength < 0) {
    throw new RigError('ISO_FRAME_CONFIG', `header length must be a non-negative integer, got ${headerLength}`, { exitCode: 2 });
  }
  const lengthBias = options.lengthIncludesPrefix ? prefixBytes : 0;
  const capacity = PREFIX_CAPACITY[options.kind] - lengthBias;
  const maxLength = Math.min(options.maxLength ?? capacity, capacity);
  if (!Number.isInteger(maxLength) || maxLength < headerLength) {
    throw new RigError('ISO_FRAME_CONFIG', `max length ${maxLength} cannot hold the ${headerLength}-byte header`, { exitCode: 2 });
  }
  return { kind: options.kind, prefixBytes, lengthBias, headerLength, maxLength };
}

/** Prefix + header + message as one buffer, ready for `socket.write`. */
export function encodeFrame(message: Uint8Array, framing: ResolvedFraming, header?: Uint8Array): Buffer {
  const headerBytes = header ?? EMPTY;
  if (headerBytes.length !== framing.headerLength) {
    throw new RigError('ISO_FRAME_HEADER', `frame header must be ${framing.headerLength} bytes, got ${headerBytes.length}`, {
      hint: framing.headerLength === 0 ? 'this framing has no header; pass none' : 'pass the header received with the request (e.g. the TPDU)',
    });
  }
  const bodyLength = headerBytes.length + message.length;
  if (bodyLength > framing.maxLength) {
    throw new RigError('ISO_FRAME_TOO_LARGE', `message of ${bodyLength} bytes exceeds the frame limit of ${framing.maxLength}`, {
      details: { length: bodyLength, maxLength: framing.maxLength },
    });
  }
  const out = Buffer.allocUnsafe(framing.prefixBytes + bodyLength);
  const value = bodyLength + framing.lengthBias;
  if (framing.kind === 'binary2') out.writeUInt16BE(value, 0);
  else if (framing.kind === 'ascii4') {
    out[0] = ASCII_ZERO + Math.floor(value / 1000);
    out[1] = ASCII_ZERO + (Math.floor(value / 100) % 10);
    out[2] = ASCII_ZERO + (Math.floor(value / 10) % 10);
    out[3] = ASCII_ZERO + (value % 10);
  }
  out.set(headerBytes, framing.prefixBytes);
  out.set(message, framing.prefixBytes + headerBytes.length);
  return out;
}

/** Split a whole transport unit (framing `none`, or a prefixed buffer already known complete) into header and message. */
export function splitHeader(body: Buffer, framing: ResolvedFraming): Frame {
  if (body.length < framing.headerLength) {
    throw new RigError('ISO_FRAME_SHORT', `frame of ${body.length} bytes is shorter than its ${framing.headerLength}-byte header`, {
      where: 'frame header',
      details: { length: body.length },
    });
  }
  if (framing.headerLength === 0) return { header: EMPTY, message: body };
  return { header: body.subarray(0, framing.headerLength), message: body.subarray(framing.headerLength) };
}

/**
 * Incremental decoder for one byte stream (one per connection). Feed it every chunk with `push`; it
 * returns the frames completed by that chunk, in order. Partial frames wait for the next chunk without
 * re-copying what is already buffered. After an error every further push rethrows it: the stream is out
 * of sync and the only safe move is to close the connection.
 */
export class FrameDecoder {
  readonly framing: ResolvedFraming;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Total bytes (prefix + body) of the frame at the head of `pending`, once its prefix has been read. */
  private needed = 0;
  private failure: RigError | undefined;
  /** Stream offset of the first pending byte, so errors can say where in the stream they happened. */
  private streamOffset = 0;

  constructor(framing: FramingOptions | ResolvedFraming) {
    this.framing = 'prefixBytes' in framing ? framing : resolveFraming(framing);
  }

  /** Bytes received but not yet part of a returned frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  push(chunk: Buffer): Frame[] {
    if (this.failure) throw this.failure;
    if (chunk.length === 0) return [];
    if (this.framing.kind === 'none') return this.pushWhole(chunk);
    // Fast path for a partial frame whose length we already know: no copy until it is complete.
    if (this.needed > 0 && this.pendingBytes + chunk.length < this.needed) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      return [];
    }
    const data = this.pendingBytes === 0 ? chunk : Buffer.concat([...this.pending, chunk], this.pendingBytes + chunk.length);
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    const frames: Frame[] = [];
    const { prefixBytes, headerLength } = this.framing;
    let offset = 0;
    while (data.length - offset >= prefixBytes) {
      const bodyLength = this.readBodyLength(data, offset);
      const total = prefixBytes + bodyLength;
      if (data.length - offset < total) {
        this.needed = total;
        break;
      }
      const bodyStart = offset + prefixBytes;
      frames.push({
        header: headerLength === 0 ? EMPTY : data.subarray(bodyStart, bodyStart + headerLength),
        message: data.subarray(bodyStart + headerLength, bodyStart + bodyLength),
      });
      offset += total;
    }
    this.streamOffset += offset;
    if (offset < data.length) {
      this.pending.push(offset === 0 ? data : data.subarray(offset));
      this.pendingBytes = data.length - offset;
    }
    return frames;
  }

  /**
   * The transport unit ended (connection closed, file read). For `none` framing this yields the one
   * message; for prefixed framing leftover bytes mean the peer stopped mid-frame (ISO_FRAME_TRUNCATED).
   */
  end(): Frame[] {
    if (this.failure) throw this.failure;
    const rest = this.pendingBytes === 0 ? EMPTY : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    if (this.framing.kind === 'none') return rest.length === 0 ? [] : [splitHeader(rest, this.framing)];
    if (rest.length > 0) {
      this.fail(
        new RigError('ISO_FRAME_TRUNCATED', `stream ended inside a frame: ${rest.length} byte(s) left over`, {
          where: `stream byte ${this.streamOffset}`,
          details: { offset: this.streamOffset, leftover: rest.length },
        }),
      );
    }
    return [];
  }

  private pushWhole(chunk: Buffer): Frame[] {
    if (this.pendingBytes + chunk.length > this.framing.maxLength) {
      this.fail(this.tooLarge(this.pendingBytes + chunk.length));
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    return [];
  }

  private readBodyLength(data: Buffer, offset: number): number {
    let value: number;
    if (this.framing.kind === 'binary2') {
      value = data.readUInt16BE(offset);
    } else {
      value = 0;
      for (let i = 0; i < 4; i++) {
        const digit = (data[offset + i] as number) - ASCII_ZERO;
        if (digit < 0 || digit > 9) {
          const text = JSON.stringify(data.subarray(offset, offset + 4).toString('latin1'));
          this.fail(
            new RigError('ISO_FRAME_BAD_LENGTH', `4-byte ASCII length prefix ${text} is not four decimal digits`, {
              where: `stream byte ${this.streamOffset + offset}`,
              hint: 'check that both sides use the same framing (binary2 vs ascii4)',
              details: { offset: this.streamOffset + offset },
            }),
          );
        }
        value = value * 10 + digit;
      }
    }
    const bodyLength = value - this.framing.lengthBias;
    if (bodyLength < this.framing.headerLength) {
      this.fail(
        new RigError('ISO_FRAME_BAD_LENGTH', `length prefix ${value} is too small for a ${this.framing.headerLength}-byte header plus prefix bias ${this.framing.lengthBias}`, {
          where: `stream byte ${this.streamOffset + offset}`,
          hint: 'check lengthIncludesPrefix / header length against the peer',
          details: { offset: this.streamOffset + offset, value },
        }),
      );
    }
    if (bodyLength > this.framing.maxLength) this.fail(this.tooLarge(bodyLength, offset));
    return bodyLength;
  }

  private tooLarge(length: number, offset = 0): RigError {
    return new RigError('ISO_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds the limit of ${this.framing.maxLength}`, {
      where: `stream byte ${this.streamOffset + offset}`,
      hint: 'close the connection; raise max_length only if the peer really sends such messages',
      details: { length, maxLength: this.framing.maxLength, offset: this.streamOffset + offset },
    });
  }

  private fail(error: RigError): never {
    this.failure = error;
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    throw error;
  }
}

/**
 * The TPDU a reply carries: byte 0 (id, usually 0x60) kept, destination and source addresses (2 bytes
 * each) swapped, which is what a host does when it answers a terminal.
 */
export function swapTpdu(header: Uint8Array): Buffer {
  if (header.length !== 5) {
    throw new RigError('ISO_FRAME_HEADER', `a TPDU is 5 bytes, got ${header.length}`);
  }
  return Buffer.from([header[0] as number, header[3] as number, header[4] as number, header[1] as number, header[2] as number]);
}
