/**
 * `rig scenario apply <file> [--deploy] | deploy <id> | undeploy <id> | delete <id>`: change the
 * mixer's scenarios through its REST API. `apply` checks the file locally first (env interpolation,
 * model, graph against the gear catalogue) so problems name file:line:col before anything is sent.
 * Mutating calls need the mixer token: mixer.api_token, else `<data_dir>/mixer.token` from `rig run`.
 */
import type { Command } from 'commander';
import { gearCatalogue } from '../../../gears/catalogue.ts';
import type { ScenarioRecord } from '../../../pkg/mixer/records.ts';
import { checkScenarioFile, problemsError } from '../../../pkg/scenario/index.ts';
import { commandMixerClient } from './inspect-cluster.ts';

function printRecord(record: ScenarioRecord, verb: string, json: boolean): void {
  if (json) {
    const { scenario: _body, ...summary } = record;
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(`scenario ${record.id} ${verb}: version ${record.version}, ${record.deployed ? 'deployed' : 'not deployed'}\n`);
}

async function apply(file: string, options: { deploy?: boolean }, command: Command): Promise<void> {
  const checked = await checkScenarioFile(file, gearCatalogue);
  if (!checked.scenario) throw problemsError('SCENARIO_INVALID', file, checked.problems);
  const { client, json } = await commandMixerClient(command);
  let record = await client.putScenario(checked.scenario.id, checked.scenario);
  if (options.deploy === true) record = await client.deploy(record.id);
  printRecord(record, 'applied', json);
}

async function setDeployed(id: string, deployed: boolean, command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  const record = deployed ? await client.deploy(id) : await client.undeploy(id);
  printRecord(record, deployed ? 'deployed' : 'undeployed', json);
}

async function remove(id: string, command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  await client.deleteScenario(id);
  process.stdout.write(json ? `${JSON.stringify({ id, deleted: true })}\n` : `scenario ${id} deleted\n`);
}

export function register(program: Command): void {
  const scenario = program
    .command('scenario')
    .description('store, deploy, undeploy and delete scenarios on the mixer (see `rig inspect scenarios`)')
    .addHelpText('after', '\nNeeds the mixer token: mixer.api_token (env FLUXRIG_MIXER_API_TOKEN), else <data_dir>/mixer.token written by `rig run`.');
  scenario
    .command('apply')
    .description('check a scenario file locally, then create or replace it on the mixer')
    .argument('<file>', 'scenario YAML or JSON file ($VAR references are taken from the environment)')
    .option('--deploy', 'deploy it once stored')
    .action((file: string, options: { deploy?: boolean }, command: Command) => apply(file, options, command));
  scenario
    .command('deploy')
    .description('deploy a stored scenario onto the racks its placement selects')
    .argument('<id>', 'scenario id')
    .action((id: string, _options: unknown, command: Command) => setDeployed(id, true, command));
  scenario
    .command('undeploy')
    .description('stop a scenario on every rack, keeping it stored')
    .argument('<id>', 'scenario id')
    .action((id: string, _options: unknown, command: Command) => setDeployed(id, false, command));
  scenario
    .command('delete')
    .description('undeploy and remove a stored scenario')
    .argument('<id>', 'scenario id')
    .action((id: string, _options: unknown, command: Command) => remove(id, command));
}
