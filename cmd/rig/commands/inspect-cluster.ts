/**
 * `rig inspect racks | scenarios | scenario <id>`: the cluster as the mixer sees it, read through its
 * REST API (pkg/mixer/client.ts) — a table for people, the API's records with global `--json`.
 * Topics join the `inspect` group that inspect.ts owns. Read-only: never sends a mutating call.
 */
import type { Command } from 'commander';
import { type MixerClient, mixerClientFor, type RackView } from '../../../pkg/mixer/client.ts';
import { FLOW_STATUS_PREFIX, type ScenarioRecord } from '../../../pkg/mixer/records.ts';
import type { ScenarioStatus } from '../../../pkg/mixer/service.ts';
import { loadCommandConfig } from '../context.ts';
import { inspectCommand, renderTable } from './inspect.ts';

/** The mixer client for this command's config (global --config / --data-dir, FLUXRIG_MIXER_URL …). */
export async function commandMixerClient(command: Command): Promise<{ client: MixerClient; json: boolean }> {
  const { globals, loaded } = loadCommandConfig(command);
  for (const warning of loaded.warnings) process.stderr.write(`rig: warning: ${warning}\n`);
  return { client: await mixerClientFor(loaded.config), json: globals.json === true };
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `350ms`, `4.2s`, `12m`, `3h`, `2d`: short enough for a table column. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const abs = Math.max(0, ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(1)}s`;
  if (abs < 3_600_000) return `${Math.floor(abs / 60_000)}m`;
  if (abs < 86_400_000) return `${Math.floor(abs / 3_600_000)}h`;
  return `${Math.floor(abs / 86_400_000)}d`;
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

export function rackRows(racks: RackView[], now: number): string[][] {
  return racks.map((rack) => {
    const scenarios = Object.values(rack.scenarios);
    const keys = scenarios.flatMap((scenario) => Object.keys(scenario.gears));
    const flows = keys.filter((key) => key.startsWith(FLOW_STATUS_PREFIX)).length;
    const labels = Object.entries(rack.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    return [rack.id, labels || '-', yesNo(rack.live), yesNo(rack.draining), String(scenarios.length), String(keys.length - flows), String(flows), `${formatAge(now - Date.parse(rack.heartbeatAt))} ago`];
  });
}

async function inspectRacks(command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  const racks = await client.listRacks();
  if (json) return printJson(racks);
  if (racks.length === 0) {
    process.stdout.write('no racks registered (start one with `rig run` or `rig run --role rack`)\n');
    return;
  }
  process.stdout.write(renderTable(['RACK', 'LABELS', 'LIVE', 'DRAINING', 'SCENARIOS', 'GEARS', 'FLOWS', 'HEARTBEAT'], rackRows(racks, Date.now())));
}

/** One row per scenario: the stored record and the state its status reports. */
interface ScenarioSummary {
  id: string;
  version: number;
  deployed: boolean;
  updatedAt: string;
  state: ScenarioStatus['state'];
  gears: number;
  flows: number;
}

async function inspectScenarios(command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  const records = await client.listScenarios();
  const statuses = await Promise.all(records.map((record) => client.status(record.id)));
  const summaries: ScenarioSummary[] = records.map((record, i) => ({
    id: record.id,
    version: record.version,
    deployed: record.deployed,
    updatedAt: record.updatedAt,
    state: (statuses[i] as ScenarioStatus).state,
    gears: record.scenario.gears.length,
    flows: record.scenario.flows.length,
  }));
  if (json) return printJson(summaries);
  if (summaries.length === 0) {
    process.stdout.write('no scenarios stored (add one with `rig scenario apply <file>`)\n');
    return;
  }
  const rows = summaries.map((s) => [s.id, String(s.version), yesNo(s.deployed), s.state, String(s.gears), String(s.flows), s.updatedAt]);
  process.stdout.write(renderTable(['SCENARIO', 'VERSION', 'DEPLOYED', 'STATE', 'GEARS', 'FLOWS', 'UPDATED'], rows));
}

async function inspectScenario(id: string, command: Command): Promise<void> {
  const { client, json } = await commandMixerClient(command);
  const [record, status]: [ScenarioRecord, ScenarioStatus] = await Promise.all([client.getScenario(id), client.status(id)]);
  if (json) {
    return printJson({ id: record.id, version: record.version, deployed: record.deployed, updatedAt: record.updatedAt, state: status.state, gears: status.gears, flows: status.flows, scenario: record.scenario });
  }
  const name = record.scenario.name ? ` (${record.scenario.name})` : '';
  process.stdout.write(`scenario ${record.id}${name}\n`);
  process.stdout.write(`version ${record.version}  deployed ${yesNo(record.deployed)}  state ${status.state}  updated ${record.updatedAt}\n\n`);
  const rows = status.gears.map((gear) => [gear.gear, gear.type, gear.rack ?? '-', gear.state, gear.error ?? '']);
  process.stdout.write(renderTable(['GEAR', 'TYPE', 'RACK', 'STATE', 'ERROR'], rows));
  if (status.flows.length === 0) return;
  const flowRows = status.flows.map((flow) => [flow.flow, flow.rack ?? '-', flow.state, flow.error ?? '']);
  process.stdout.write(`\n${renderTable(['DURABLE FLOW', 'RACK', 'STATE', 'ERROR'], flowRows)}`);
}

export function register(program: Command): void {
  const inspect = inspectCommand(program);
  const mixerHelp = '\nReads the mixer REST API at mixer.url (env FLUXRIG_MIXER_URL; default http://<mixer.host>:<mixer.port>).\nAdd --json for the API records.';
  inspect
    .command('racks')
    .description('list the racks the mixer knows: labels, liveness, draining, scenarios, gears and durable flows, heartbeat age')
    .addHelpText('after', mixerHelp)
    .action((_options: unknown, command: Command) => inspectRacks(command));
  inspect
    .command('scenarios')
    .description('list stored scenarios: version, deployed, state')
    .addHelpText('after', mixerHelp)
    .action((_options: unknown, command: Command) => inspectScenarios(command));
  inspect
    .command('scenario')
    .description("show one scenario's status: each gear, its type, rack, state and error")
    .argument('<id>', 'scenario id')
    .addHelpText('after', mixerHelp)
    .action((id: string, _options: unknown, command: Command) => inspectScenario(id, command));
}
