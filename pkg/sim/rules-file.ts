/**
 * Reads the issuer simulator's rules from a YAML or JSON file (`rig sim issuer --rules <file>`): either
 * a list of rules or a map `{ rules: [...], default_code?: "00" }`. Every problem names
 * file:line:col and the key path, so a typo in a rule is found before the simulator starts.
 * It never compiles the JSONata conditions (startIssuer does, and says which rule failed).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { RigError } from '../errors/index.ts';
import { describeProblem, formatPath, type Problem } from '../scenario/problems.ts';
import { YamlPositions } from '../scenario/source-map.ts';
import { type IssuerConfig, issuerRuleSchema } from './issuer.ts';

export type IssuerRules = Pick<IssuerConfig, 'rules'> & Partial<Pick<IssuerConfig, 'default_code'>>;

const rulesList = z.array(issuerRuleSchema);
const rulesMap = z.strictObject({
  rules: rulesList,
  default_code: z.string().regex(/^[0-9A-Z]{2}$/, 'a two-character response code such as "00"').optional(),
});

export async function readIssuerRules(file: string): Promise<IssuerRules> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RigError('SIM_RULES_READ', `cannot read the rules file: ${(error as Error).message}`, { where: file, exitCode: 2, cause: error });
  }
  return parseIssuerRules(text, file);
}

export function parseIssuerRules(text: string, file: string): IssuerRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const positions = new YamlPositions(doc, lines);
  const at = (path: ReadonlyArray<PropertyKey>) => {
    const { line, col } = positions.positionOf(path);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((error) => {
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      return { where: `${file}:${pos.line}:${pos.col}`, path: '', message: `syntax: ${error.message.split('\n')[0]}` };
    });
    throw rulesError(file, problems);
  }
  const value: unknown = doc.toJS();
  // Validate against the shape the document claims, so problems speak of that shape, not of the union.
  const result = Array.isArray(value) ? rulesList.transform((rules) => ({ rules })).safeParse(value) : rulesMap.safeParse(value);
  if (!result.success) {
    throw rulesError(
      file,
      result.error.issues.map((issue) => ({
        where: at(issue.path),
        path: formatPath(Array.isArray(value) ? ['rules', ...issue.path] : issue.path),
        message: issue.message,
      })),
    );
  }
  const { rules, default_code } = result.data as { rules: IssuerConfig['rules']; default_code?: string };
  return default_code === undefined ? { rules } : { rules, default_code };
}

function rulesError(file: string, problems: Problem[]): RigError {
  const first = problems[0] as Problem;
  return new RigError('SIM_RULES_INVALID', problems.length === 1 ? describeProblem(first) : `${problems.length} problems in ${file}`, {
    exitCode: 2,
    details: { problems },
    hint: problems.length > 1 ? problems.map(describeProblem).join('\n  ') : 'a rule is { when: <JSONata over { mti, fields }>, code: "05", delay_ms: 0, respond: true, times: <optional N> }',
  });
}
