/**
 * A Problem is one finding of a lint-style check: where it is (file:line:col), the key path, what is
 * wrong and how to fix it. Checks collect every problem instead of stopping at the first, so `rig check`
 * and the REST API can report them all at once.
 */
import { RigError } from '../errors/index.ts';

export interface Problem {
  /** `file:line:col` (or just the file / `body` when no position is known). */
  where: string;
  /** Key path such as `gears[2].config.port`; empty for the whole document. */
  path: string;
  message: string;
  hint?: string;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function describeProblem(problem: Problem): string {
  const head = `${problem.where}${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`;
  return problem.hint ? `${head} (${problem.hint})` : head;
}

/** One RigError carrying every problem, for APIs that throw rather than return a list. */
export function problemsError(code: string, subject: string, problems: Problem[]): RigError {
  const first = problems[0];
  const summary = problems.length === 1 && first ? describeProblem(first) : `${problems.length} problems in ${subject}`;
  return new RigError(code, summary, {
    exitCode: 2,
    details: { problems },
    hint: problems.length > 1 ? problems.map(describeProblem).join('\n  ') : undefined,
  });
}
