/**
 * Renders the documented example config (configs/rig.toml) from the schema: every section and key with
 * its description, type, env variable and default value. The schema is the one place a key is
 * described; regenerate the example with
 *   node --import tsx pkg/config/document.ts > configs/rig.toml
 * and a test keeps the checked-in file covering every key with its default.
 */
import { pathToFileURL } from 'node:url';
import { stringify } from 'smol-toml';
import { configSections } from './fields.ts';

/** One value as TOML writes it: "text", 5, true, { k = "v" }. */
export function tomlValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const pairs = Object.entries(value).map(([key, item]) => {
      const bare = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      return `${bare} = ${tomlValue(item)}`;
    });
    return pairs.length === 0 ? '{}' : `{ ${pairs.join(', ')} }`;
  }
  // smol-toml renders values only inside a table; render one key and keep what follows `=`.
  const line = stringify({ v: value }).trim();
  return line.slice(line.indexOf('=') + 1).trim();
}

function wrap(text: string, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current !== '' && current.length + word.length + 1 > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

export function renderDocumentedToml(): string {
  const out: string[] = [
    '# rig.toml: every key fluxrig reads, with its default. Copy what you need; leave out the rest.',
    '# Precedence: defaults < this file < FLUXRIG_<SECTION>_<KEY> env variables < CLI flags.',
    '# `rig inspect config` prints the effective values and where each came from (secrets as ***).',
    '# Generated from the schema (pkg/config/sections/): node --import tsx pkg/config/document.ts',
    '',
  ];
  for (const section of configSections) {
    out.push(...wrap(section.description).map((line) => `# ${line}`), `[${section.name}]`);
    for (const field of section.fields) {
      const key = field.segments.slice(1).join('.');
      const envForm = field.typeName.startsWith('table') ? `${field.envVar}="k=v,k2=v2"` : field.envVar;
      const notes = [`${field.typeName}; env ${envForm}`];
      if (field.secret) notes.push('secret: shown as *** by rig inspect config');
      out.push(...wrap(field.description).map((line) => `# ${line}`), `# (${notes.join('; ')})`);
      out.push(`${key} = ${tomlValue(field.defaultValue)}`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(renderDocumentedToml());
}
