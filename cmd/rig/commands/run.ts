/**
 * `rig run`: start this node. With no flags: the all-in-one node on embedded defaults (nats-server and
 * the Temporal dev server as supervised children, the mixer, one rack, and the example payment switch
 * deployed), printing its endpoints and "ready". `--role mixer|rack` with `--nats-url` and
 * `--temporal-address` runs one role against external engines: that is how fluxrig scales out.
 * SIGINT/SIGTERM drain and stop in order; a second signal exits at once.
 */
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { ConfigFlag } from '../../../pkg/config/index.ts';
import { missingNodeOptions } from '../../../pkg/node/node-options.ts';
import { runNode, type Endpoints } from '../../../pkg/node/run.ts';
import { openCommandContext } from '../context.ts';
import { VERSION } from '../version.ts';

export const EXAMPLE_SCENARIO = fileURLToPath(new URL('../../../configs/scenarios/payment-switch.yaml', import.meta.url));

interface RunFlags {
  role?: string;
  natsUrl?: string;
  temporalAddress?: string;
  rackId?: string;
  labels?: string;
  scenario?: string[] | false;
  readyTimeout: string;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('start this node: all-in-one on embedded defaults, or one role against external engines')
    .option('--role <role>', 'all (mixer + rack + embedded engines) | mixer | rack')
    .option('--nats-url <url>', 'use this NATS cluster instead of an embedded nats-server')
    .option('--temporal-address <host:port>', 'use this Temporal cluster instead of an embedded dev server')
    .option('--rack-id <id>', 'rack id in the registry (default: node id)')
    .option('--labels <k=v,...>', 'rack placement labels, e.g. zone=edge,tier=gold')
    .option('--scenario <file...>', 'scenario files to deploy at start (default for role all: the example payment switch)')
    .option('--no-scenario', 'deploy nothing at start')
    .option('--ready-timeout <ms>', 'how long deployed scenarios may take to report running', '30000')
    .action(async (flags: RunFlags, command: Command) => {
      const configFlags: ConfigFlag[] = [];
      if (flags.role !== undefined) configFlags.push({ key: 'node.role', value: flags.role, flag: '--role' });
      if (flags.natsUrl !== undefined) configFlags.push({ key: 'nats.url', value: flags.natsUrl, flag: '--nats-url' });
      if (flags.temporalAddress !== undefined) configFlags.push({ key: 'temporal.address', value: flags.temporalAddress, flag: '--temporal-address' });
      if (flags.rackId !== undefined) configFlags.push({ key: 'rack.id', value: flags.rackId, flag: '--rack-id' });
      if (flags.labels !== undefined) configFlags.push({ key: 'rack.labels', value: flags.labels, flag: '--labels' });
      const context = await openCommandContext(command, { flags: configFlags, logToFile: true, bindings: { cmd: 'run' } });
      const role = context.config.node.role;
      const scenarios = flags.scenario === false ? [] : (flags.scenario ?? (role === 'all' ? [EXAMPLE_SCENARIO] : []));
      const node = await runNode({
        config: context.config,
        logger: context.logger,
        ids: context.ids,
        version: VERSION,
        scenarios,
        readyTimeoutMs: Number(flags.readyTimeout),
      }).catch(async (error: unknown) => {
        await context.close();
        throw error;
      });
      announce(node.endpoints, context.json);
      const missing = missingNodeOptions();
      if (node.rack && missing.length > 0) {
        context.logger.info(
          { missing, hint: `set NODE_OPTIONS="${missing.join(' ')}" as deploy/ does, for throughput under load (pkg/node/node-options.ts)` },
          'running with V8 defaults',
        );
      }

      let stopping = false;
      await new Promise<void>((resolve) => {
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            process.stderr.write(`rig: ${signal} again, exiting without draining\n`);
            process.exit(130);
          }
          stopping = true;
          process.stderr.write(`rig: ${signal}: draining and stopping (send it again to exit at once)\n`);
          node
            .stop()
            .then(() => context.close())
            .then(resolve, (error: unknown) => {
              process.stderr.write(`rig: shutdown failed: ${String(error)}\n`);
              resolve();
            });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      if (context.json) process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
      else process.stdout.write('stopped\n');
    });
}

function announce(endpoints: Endpoints, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ event: 'ready', ...endpoints })}\n`);
    return;
  }
  const lines = [
    `role       ${endpoints.role}`,
    `data dir   ${endpoints.dataDir}`,
    `nats       ${endpoints.natsUrl}`,
    endpoints.temporalAddress ? `temporal   ${endpoints.temporalAddress}` : undefined,
    endpoints.mixerUrl ? `mixer      ${endpoints.mixerUrl}  (OpenAPI: ${endpoints.mixerUrl}/openapi.json)` : undefined,
    endpoints.rack ? `rack       ${endpoints.rack}` : undefined,
    ...endpoints.scenarios.map((s) => `scenario   ${s.id} v${s.version} ${s.state}`),
    'ready',
  ];
  process.stdout.write(`${lines.filter((line) => line !== undefined).join('\n')}\n`);
}
