/**
 * Padders: how a fixed-length text field shorter than its length is filled (left with '0' for numbers,
 * right with ' ' for text by default). Padding happens on pack only; unpack returns the field as sent, so
 * a value that already has the full length is written unchanged and every round trip stays byte-exact.
 */
import type { PaddingDoc } from './types.ts';

export interface Padder {
  readonly side: 'left' | 'right';
  readonly char: string;
  /** `value` widened to `length` with the pad character. */
  pad(value: string, length: number): string;
}

export function makePadder(doc: PaddingDoc): Padder {
  const { side, char } = doc;
  return {
    side,
    char,
    pad: side === 'left' ? (value, length) => value.padStart(length, char) : (value, length) => value.padEnd(length, char),
  };
}
