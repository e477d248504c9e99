/**
 * The local rotated log files pkg/log writes (pino-roll: `rig.log` configured → `rig.1.log`,
 * `rig.2.log`, … the highest number the newest): list them in order and read their last lines, for
 * `rig inspect logs`. Read-only; the lines were masked when written and are masked again when shown.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { maskText } from '../mask/index.ts';

/** The files of one configured log path, oldest first. */
export function rotatedLogFiles(configuredPath: string): string[] {
  const dir = dirname(configuredPath);
  if (!existsSync(dir)) return [];
  const extension = extname(configuredPath);
  const stem = basename(configuredPath, extension);
  const numbered: { file: string; n: number }[] = [];
  let plain: string | undefined;
  for (const name of readdirSync(dir)) {
    if (name === basename(configuredPath)) plain = join(dir, name);
    const match = new RegExp(`^${escapeRegExp(stem)}\\.(\\d+)${escapeRegExp(extension)}$`).exec(name);
    if (match) numbered.push({ file: join(dir, name), n: Number(match[1]) });
  }
  numbered.sort((a, b) => a.n - b.n);
  return [...(plain ? [plain] : []), ...numbered.map((entry) => entry.file)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The last `count` non-empty lines across the files (oldest file first). */
export function tailLines(files: readonly string[], count: number): string[] {
  const lines: string[] = [];
  for (let i = files.length - 1; i >= 0 && lines.length < count; i--) {
    const fileLines = readFileSync(files[i] as string, 'utf8').split('\n').filter((line) => line.trim() !== '');
    lines.unshift(...fileLines.slice(Math.max(0, fileLines.length - (count - lines.length))));
  }
  return lines;
}

/** A printer for pino JSON lines: `raw` passes them through; otherwise pino-pretty, uncoloured. */
export function logLinePrinter(raw: boolean): (line: string) => string {
  if (raw) return (line) => `${maskText(line)}\n`;
  const pretty = prettyFactory({ colorize: false, translateTime: 'SYS:standard', ignore: 'pid,hostname' });
  return (line) => {
    try {
      return maskText(pretty(line));
    } catch (error) {
      // Not a pino line (a crash trace, a truncated write): show it as it is rather than hide it.
      void error;
      return `${maskText(line)}\n`;
    }
  };
}
