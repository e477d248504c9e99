/**
 * `${NAME}` and `${NAME:-default}` in scenario files are replaced from the environment before parsing,
 * so one file serves tests and deployments (ports, hosts, credentials). `$${` writes a literal `${`.
 * An unset variable without a default is a problem at its line and column, not an empty string.
 */
import type { Problem } from './problems.ts';

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv, file: string): { text: string; problems: Problem[] } {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  const out = lines.map((line, index) =>
    line.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined, column: number) => {
      if (escaped) return whole.slice(1);
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problems.push({ where: `${file}:${index + 1}:${column + 1}`, path: '', message: `environment variable ${name} is not set`, hint: `set it, or give a default: \${${name}:-value}` });
      return whole;
    }),
  );
  return { text: out.join('\n'), problems };
}
