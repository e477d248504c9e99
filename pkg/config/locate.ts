/**
 * Where each key of a TOML document sits (1-based line and column), so config errors can say
 * `rig.toml:12:3 nats.url`. smol-toml gives the values; toml-eslint-parser's AST gives the positions.
 * Paths join keys with dots; array elements use their index (`specs.0.name`). A key defined by a table
 * header (`[nats]`) is located at the header. Only ever called on text smol-toml already accepted.
 */
import { type AST, parseTOML } from 'toml-eslint-parser';

export interface KeyLocation {
  line: number;
  column: number;
}

type Path = (string | number)[];

function keyNames(key: AST.TOMLKey): string[] {
  return key.keys.map((part) => (part.type === 'TOMLBare' ? part.name : part.value));
}

function at(node: AST.TOMLNode): KeyLocation {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

function remember(locations: Map<string, KeyLocation>, path: Path, where: KeyLocation): void {
  const joined = path.join('.');
  if (!locations.has(joined)) locations.set(joined, where);
}

function visitKeyValue(locations: Map<string, KeyLocation>, base: Path, pair: AST.TOMLKeyValue): void {
  const names = keyNames(pair.key);
  const where = at(pair.key);
  // `a.b.c = 1` defines a, a.b and a.b.c: all point at this key.
  for (let i = 1; i <= names.length; i++) remember(locations, [...base, ...names.slice(0, i)], where);
  visitValue(locations, [...base, ...names], pair.value);
}

function visitValue(locations: Map<string, KeyLocation>, path: Path, value: AST.TOMLContentNode): void {
  if (value.type === 'TOMLInlineTable') {
    for (const pair of value.body) visitKeyValue(locations, path, pair);
  } else if (value.type === 'TOMLArray') {
    value.elements.forEach((element, index) => {
      remember(locations, [...path, index], at(element));
      visitValue(locations, [...path, index], element);
    });
  }
}

/** Map from dotted key path to the position of the key that defines it. */
export function locateKeys(text: string): Map<string, KeyLocation> {
  const locations = new Map<string, KeyLocation>();
  const program = parseTOML(text);
  for (const node of program.body[0].body) {
    if (node.type === 'TOMLKeyValue') {
      visitKeyValue(locations, [], node);
      continue;
    }
    const where = at(node.key);
    const path = node.resolvedKey;
    for (let i = 1; i <= path.length; i++) remember(locations, path.slice(0, i), where);
    for (const pair of node.body) visitKeyValue(locations, path, pair);
  }
  return locations;
}
