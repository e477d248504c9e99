/**
 * Reading a scenario: YAML text (or an already-parsed REST body) → a validated Scenario, or every
 * problem found, each naming file:line:col and the key path. Graph checks that need the gear catalogue
 * are in graph.ts; `checkScenario` in index.ts runs both.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { RigError } from '../errors/index.ts';
import { didYouMean } from '../text/suggest.ts';
import { interpolateEnv } from './interpolate.ts';
import { scenarioSchema, type Scenario } from './model.ts';
import { formatPath, type Problem } from './problems.ts';
import { YamlPositions, type Position } from './source-map.ts';

export interface ParsedScenario {
  /** Present only when the document is valid against the model. */
  scenario?: Scenario;
  problems: Problem[];
  /** Position of a key path in the source (for graph problems found later). */
  locate: (path: ReadonlyArray<PropertyKey>) => string;
}

export async function readScenarioFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ParsedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RigError('SCENARIO_READ', `cannot read scenario file: ${(error as Error).message}`, { where: file, exitCode: 2, cause: error });
  }
  const interpolated = interpolateEnv(text, env, file);
  if (interpolated.problems.length > 0) return { problems: interpolated.problems, locate: () => file };
  return parseScenarioText(interpolated.text, file);
}

export function parseScenarioText(text: string, file: string): ParsedScenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const positions = new YamlPositions(doc, lines);
  const at = (pos: Position) => `${file}:${pos.line}:${pos.col}`;
  const locate = (path: ReadonlyArray<PropertyKey>) => at(positions.positionOf(path));

  const syntax = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'DUPLICATE_KEY')];
  if (syntax.length > 0) {
    return {
      locate,
      problems: syntax.map((error) => {
        const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
        return { where: at(pos), path: '', message: `YAML syntax: ${firstLine(error.message)}` };
      }),
    };
  }
  return validateScenarioValue(doc.toJS({ maxAliasCount: 100 }), {
    locate,
    locateKey: (path) => at(positions.positionOf(path, { atKey: true })),
  });
}

/** Validates a plain value (REST body or parsed YAML). `where` of problems defaults to `body`. */
export function validateScenarioValue(
  value: unknown,
  options: { locate?: (path: ReadonlyArray<PropertyKey>) => string; locateKey?: (path: ReadonlyArray<PropertyKey>) => string } = {},
): ParsedScenario {
  const locate = options.locate ?? (() => 'body');
  const locateKey = options.locateKey ?? locate;
  const result = scenarioSchema.safeParse(value);
  if (result.success) return { scenario: result.data, problems: [], locate };
  return { locate, problems: result.error.issues.flatMap((issue) => issueProblems(issue, locate, locateKey)) };
}

function issueProblems(
  issue: z.core.$ZodIssue,
  locate: (path: ReadonlyArray<PropertyKey>) => string,
  locateKey: (path: ReadonlyArray<PropertyKey>) => string,
): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      const hint = didYouMean(String(key), knownKeysAt(scenarioSchema, issue.path)) ?? 'remove it, or see configs/scenario.schema.json for the keys allowed here';
      return { where: locateKey(path), path: formatPath(path), message: 'unknown key', hint };
    });
  }
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `missing required key (expected ${issue.expected})` : issue.message;
  return [{ where: locate(issue.path), path: formatPath(issue.path), message }];
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The keys an object schema accepts at `path` (array indexes step into the element schema). */
function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: z.ZodType = schema;
  for (const part of [...path, undefined]) {
    while (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    if (part === undefined) break;
    if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(part)] ?? z.never();
    else return [];
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}
