/**
 * pkg/scenario: the scenario model, its parsing with positions, graph checks against the gear catalogue
 * and diffs between versions. `checkScenarioFile` is what `rig check` and the mixer both run.
 */
import type { GearDescriptor } from '../gear/descriptor.ts';
import { catalogueOf, checkGraph } from './graph.ts';
import type { Scenario } from './model.ts';
import { parseScenarioText, readScenarioFile, validateScenarioValue, type ParsedScenario } from './parse.ts';
import type { Problem } from './problems.ts';

export * from './model.ts';
export { catalogueOf, checkGraph, findPortCycle, portsOf, type Catalogue, type GearPorts } from './graph.ts';
export { parseScenarioText, readScenarioFile, validateScenarioValue } from './parse.ts';
export { describeProblem, problemsError, type Problem } from './problems.ts';
export { diffScenarios, type ScenarioDiff } from './diff.ts';
export { interpolateEnv } from './interpolate.ts';

export interface CheckedScenario {
  scenario?: Scenario;
  problems: Problem[];
}

function withGraph(parsed: ParsedScenario, catalogue: Iterable<GearDescriptor>): CheckedScenario {
  if (!parsed.scenario) return { problems: parsed.problems };
  const problems = checkGraph(parsed.scenario, catalogueOf(catalogue), parsed.locate);
  return problems.length > 0 ? { problems } : { scenario: parsed.scenario, problems };
}

export async function checkScenarioFile(file: string, catalogue: Iterable<GearDescriptor>, env: NodeJS.ProcessEnv = process.env): Promise<CheckedScenario> {
  return withGraph(await readScenarioFile(file, env), catalogue);
}

export function checkScenarioText(text: string, file: string, catalogue: Iterable<GearDescriptor>): CheckedScenario {
  return withGraph(parseScenarioText(text, file), catalogue);
}

/** For REST bodies: problems carry `body` as their place and the key path. */
export function checkScenarioValue(value: unknown, catalogue: Iterable<GearDescriptor>): CheckedScenario {
  return withGraph(validateScenarioValue(value), catalogue);
}
