/**
 * Finds where a key path sits in a YAML document, so validation errors can name `file:line:col`.
 * Works on the `yaml` package's parsed Document with a LineCounter; never throws for a missing path,
 * it falls back to the nearest existing ancestor.
 */
import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position {
  line: number;
  col: number;
}

export class YamlPositions {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path`, or of its nearest existing ancestor. `atKey` points at the key instead. */
  positionOf(path: ReadonlyArray<PropertyKey>, options: { atKey?: boolean } = {}): Position {
    let node: unknown = this.doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        offset = options.atKey && part === path[path.length - 1] && keyStart !== undefined ? keyStart : (rangeStart(pair.value) ?? keyStart ?? offset);
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }
}

function rangeStart(node: unknown): number | undefined {
  if (isNode(node)) return (node as Node).range?.[0];
  if (isPair(node)) return rangeStart(node.key);
  return undefined;
}
