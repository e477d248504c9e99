/**
 * `rig rack drain <id>`: asks a rack, through the mixer's REST API, to stop taking new work and finish
 * what it has in flight; the mixer moves its gears to other racks that match their placement.
 * (A rack process is started with `rig run --role rack`; `rig inspect racks` shows the result.)
 */
import type { Command } from 'commander';
import { commandMixerClient } from './inspect-cluster.ts';

async function drain(id: string, command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  const answer = await client.drainRack(id);
  process.stdout.write(json ? `${JSON.stringify(answer)}\n` : `rack ${answer.rack} draining: in-flight work finishes, its gears move to other racks\n`);
}

export function register(program: Command): void {
  const rack = program.command('rack').description('act on racks through the mixer (see `rig inspect racks`)');
  rack
    .command('drain')
    .description('stop a rack taking new work; in-flight work finishes and its gears are placed elsewhere')
    .argument('<id>', 'rack id')
    .addHelpText('after', '\nNeeds the mixer token: mixer.api_token (env FLUXRIG_MIXER_API_TOKEN), else <data_dir>/mixer.token written by `rig run`.')
    .action((id: string, _options: unknown, command: Command) => drain(id, command));
}
