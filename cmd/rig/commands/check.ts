/**
 * `rig check <file…>`: lints scenario files (.yaml/.yml/.json) against the model and the gear
 * catalogue, and config files (.toml) against the config schema, like `bento lint`: every problem
 * with file:line:col, key path and a hint; exit 1 when any file has problems. `rig gears` lists the
 * catalogue the checks use.
 */
import { extname } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { gearCatalogue } from '../../../gears/catalogue.ts';
import { loadConfig } from '../../../pkg/config/index.ts';
import { isRigError } from '../../../pkg/errors/index.ts';
import { checkScenarioFile, describeProblem, type Problem } from '../../../pkg/scenario/index.ts';

export async function checkFile(file: string): Promise<Problem[]> {
  if (extname(file) === '.toml') return checkConfigFile(file);
  try {
    return (await checkScenarioFile(file, gearCatalogue)).problems;
  } catch (error) {
    if (isRigError(error)) return [{ where: error.where ?? file, path: '', message: error.message }];
    throw error;
  }
}

function checkConfigFile(file: string): Problem[] {
  try {
    loadConfig({ file, env: {} });
    return [];
  } catch (error) {
    if (!isRigError(error)) throw error;
    const issues = error.details?.issues as { path: string; where: string; message: string }[] | undefined;
    if (!issues) return [{ where: error.where ?? file, path: '', message: error.message, ...(error.hint ? { hint: error.hint } : {}) }];
    // A config issue's `where` already ends with its key path.
    return issues.map((issue) => ({ where: issue.where.replace(new RegExp(` ${escapeRegex(issue.path)}$`), ''), path: issue.path, message: issue.message }));
  }
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function register(program: Command): void {
  program
    .command('check')
    .description('lint scenario files (.yaml, .json) and config files (.toml); exit 1 on problems')
    .argument('<files...>', 'files to check')
    .action(async (files: string[], _options: unknown, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const results = [];
      for (const file of files) results.push({ file, problems: await checkFile(file) });
      const count = results.reduce((sum, result) => sum + result.problems.length, 0);
      if (json) process.stdout.write(`${JSON.stringify({ ok: count === 0, files: results }, null, 2)}\n`);
      else {
        for (const result of results) {
          if (result.problems.length === 0) process.stdout.write(`ok      ${result.file}\n`);
          for (const problem of result.problems) process.stdout.write(`problem ${describeProblem(problem)}\n`);
        }
        if (count > 0) process.stdout.write(`${count} problem${count === 1 ? '' : 's'} in ${results.filter((r) => r.problems.length > 0).length} of ${files.length} file(s)\n`);
      }
      if (count > 0) process.exitCode = 1;
    });

  program
    .command('gears')
    .description('list the gear catalogue: types, ports and config keys')
    .argument('[type]', 'show one gear type in full')
    .action((type: string | undefined, _options: unknown, command: Command) => {
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const gears = type === undefined ? gearCatalogue : gearCatalogue.filter((gear) => gear.type === type);
      if (type !== undefined && gears.length === 0) {
        process.stderr.write(`rig: no gear type "${type}" (run \`rig gears\` for the list)\n`);
        process.exitCode = 2;
        return;
      }
      if (json) {
        process.stdout.write(`${JSON.stringify(gears.map((g) => ({ type: g.type, summary: g.summary, pure: g.pure, inputs: g.inputs, outputs: g.outputs })), null, 2)}\n`);
        return;
      }
      for (const gear of gears) {
        process.stdout.write(`${gear.type.padEnd(20)} ${gear.summary}\n`);
        if (type !== undefined) {
          const dynamic = gear.portsFor ? ' (plus one per configured route)' : '';
          process.stdout.write(`  inputs:  ${gear.inputs.map((p) => p.name).join(', ') || '-'}\n  outputs: ${gear.outputs.map((p) => p.name).join(', ')}${dynamic}\n`);
          process.stdout.write(`  config:  ${JSON.stringify(z.toJSONSchema(gear.config, { io: 'input', unrepresentable: 'any' }), null, 2).replaceAll('\n', '\n  ')}\n`);
        }
      }
    });
}
