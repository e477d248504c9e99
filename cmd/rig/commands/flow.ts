/**
 * `rig flow list | show <workflow-id> | start <scenario> <flow> | signal <workflow-id> <name> | cancel
 * <workflow-id>`: durable flows as Temporal sees them. Talks to Temporal directly (config
 * `temporal.address` / `temporal.namespace`; with the address empty, the embedded dev server of
 * `rig run` on 127.0.0.1:<temporal.embedded_port>). `start` also asks the mixer for the deployed
 * scenario and which rack runs the flow (the flow's task queue). Payloads are printed masked (PANs,
 * track data, secrets; ISO 8583 messages by their field rules); `--json` for scripts.
 */
import type { Command } from 'commander';
import { RigError } from '../../../pkg/errors/index.ts';
import { maskMessage } from '../../../pkg/iso8583/mask.ts';
import type { IsoMessage } from '../../../pkg/iso8583/types.ts';
import { maskObject } from '../../../pkg/mask/index.ts';
import { mixerClientFor } from '../../../pkg/mixer/client.ts';
import type { FlowClient, FlowFailure, FlowResult, FlowStatus, StepRecord, TemporalSettings } from '../../../pkg/orchestration/index.ts';
import { validateFlowPlan } from '../../../pkg/orchestration/plan-schema.ts';
import { temporalSettingsFrom } from '../../../pkg/orchestration/settings.ts';
import type { RigConfig } from '../../../pkg/config/index.ts';
import { findFlow, flowAnchorGear, flowPlanOf } from '../../../pkg/scenario/flow-plan.ts';
import type { Envelope } from '../../../pkg/wire/envelope.ts';
import { openCommandContext } from '../context.ts';
import { formatAge } from './inspect-cluster.ts';
import { renderTable } from './inspect.ts';

/** Where the CLI finds Temporal: temporal.address, else the embedded dev server's port on this host. */
export function cliTemporalSettings(config: RigConfig): TemporalSettings {
  if (config.temporal.address === '' && config.temporal.embedded_port === 0) {
    throw new RigError('FLOW_NO_TEMPORAL', 'temporal.address is empty and the embedded server uses a random port', {
      where: 'temporal.address',
      hint: 'set temporal.address (env FLUXRIG_TEMPORAL_ADDRESS) to the host:port `rig run` printed',
      exitCode: 2,
    });
  }
  return temporalSettingsFrom(config.temporal, `127.0.0.1:${config.temporal.embedded_port}`);
}

/** Payloads as people may see them: ISO 8583 messages by their field rules, then PANs/secrets anywhere. */
export function maskPayload<T>(value: T): T {
  return maskObject(maskIsoMessages(value, 0) as T);
}

function maskIsoMessages(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((item) => maskIsoMessages(item, depth + 1));
  const record = value as Record<string, unknown>;
  // maskMessage returns mti and fields only: keep whatever else sits beside them (maskObject sees it next).
  if (typeof record.mti === 'string' && record.fields !== null && typeof record.fields === 'object') return { ...record, ...maskMessage(record as unknown as IsoMessage) };
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, maskIsoMessages(item, depth + 1)]));
}

function parseData(text: string | undefined, option: string): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RigError('FLOW_BAD_DATA', `${option} is not JSON: ${(error as Error).message}`, { where: option, hint: `e.g. ${option} '{"amount": 100}'`, exitCode: 2 });
  }
}

interface Session {
  flows: FlowClient;
  json: boolean;
  config: RigConfig;
  next: () => string;
}

/** Opens config, logger and a Temporal client for one command; always closes them. */
async function withTemporal(command: Command, run: (session: Session) => Promise<void>): Promise<void> {
  const context = await openCommandContext(command, { bindings: { cmd: 'flow' } });
  try {
    const { connectFlowClient } = await import('../../../pkg/orchestration/index.ts');
    const flows = await connectFlowClient(cliTemporalSettings(context.config));
    try {
      await run({ flows, json: context.json, config: context.config, next: () => context.ids.next() });
    } finally {
      await flows.close();
    }
  } finally {
    await context.close();
  }
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

async function list(options: { scenario?: string; flow?: string; limit?: string; status?: string }, command: Command): Promise<void> {
  await withTemporal(command, async ({ flows, json }) => {
    const { listFlows } = await import('../../../pkg/orchestration/index.ts');
    if (options.flow !== undefined && options.scenario === undefined) {
      throw new RigError('FLOW_BAD_FILTER', '--flow needs --scenario (flow ids are unique per scenario)', { where: '--flow', exitCode: 2 });
    }
    const clauses: string[] = [];
    if (options.scenario !== undefined) clauses.push(`WorkflowId STARTS_WITH '${quote(options.flow === undefined ? `${options.scenario}.` : `${options.scenario}.${options.flow}/`)}'`);
    if (options.status !== undefined) clauses.push(`ExecutionStatus = '${quote(statusName(options.status))}'`);
    const limit = options.limit === undefined ? 50 : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new RigError('FLOW_BAD_LIMIT', `--limit must be a positive integer, got ${options.limit}`, { where: '--limit', exitCode: 2 });
    const found = await listFlows(flows.client, { limit, ...(clauses.length === 0 ? {} : { query: clauses.join(' AND ') }) });
    const now = Date.now();
    print(json, found, () =>
      found.length === 0
        ? 'no durable flows\n'
        : renderTable(
            ['WORKFLOW', 'FLOW', 'STATUS', 'STARTED', 'CLOSED'],
            found.map((f) => [f.workflowId, f.flow ?? '-', f.status, `${formatAge(now - f.startTime.getTime())} ago`, f.closeTime ? `${formatAge(now - f.closeTime.getTime())} ago` : '-']),
          ),
    );
  });
}

const STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];
function statusName(text: string): string {
  const wanted = text.toUpperCase() === 'CANCELLED' ? 'CANCELED' : text.toUpperCase();
  if (!STATUSES.includes(wanted)) throw new RigError('FLOW_BAD_STATUS', `unknown status ${text}`, { where: '--status', hint: `one of ${STATUSES.join(', ').toLowerCase()}`, exitCode: 2 });
  return wanted === 'CANCELED' ? 'Canceled' : wanted.charAt(0) + wanted.slice(1).toLowerCase().replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
}

/** Visibility query strings are single-quoted: keep ids from closing the quote. */
function quote(text: string): string {
  return text.replace(/['\\]/g, '');
}

export interface FlowView {
  workflowId: string;
  flow: string | undefined;
  scenario: string | undefined;
  status: string;
  startTime: string;
  closeTime: string | undefined;
  /** From the workflow's status query, or from its result / failure once closed. */
  state?: FlowStatus['state'];
  current?: string;
  steps: StepRecord[];
  outputs?: { port: string; envelope: Envelope }[];
  failure?: { step: string; code: string; message: string; error: Envelope };
  /** Why steps are missing (e.g. no worker answered the status query). */
  note?: string;
}

async function show(workflowId: string, command: Command): Promise<void> {
  await withTemporal(command, async ({ flows, json }) => {
    const view = await describeFlow(flows, workflowId);
    print(json, view, () => renderView(view));
  });
}

export async function describeFlow(flows: FlowClient, workflowId: string): Promise<FlowView> {
  const { flowNotFound, flowResult, flowStatus } = await import('../../../pkg/orchestration/index.ts');
  const description = await flows.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      throw flowNotFound(workflowId, error);
    });
  const view: FlowView = {
    workflowId,
    flow: description.memo?.flow as string | undefined,
    scenario: description.memo?.scenario as string | undefined,
    status: description.status.name,
    startTime: description.startTime.toISOString(),
    closeTime: description.closeTime?.toISOString(),
    steps: [],
  };
  if (description.status.name === 'COMPLETED') {
    const result: FlowResult = await flowResult(flows.client, workflowId);
    view.state = 'completed';
    view.steps = result.history;
    view.outputs = maskPayload(result.outputs);
    return view;
  }
  if (description.status.name === 'FAILED') {
    try {
      await flowResult(flows.client, workflowId);
    } catch (error) {
      const failure = (error as RigError).details as FlowFailure | undefined;
      if ((error as RigError).code === 'FLOW_FAILED' && failure) {
        view.state = 'failed';
        view.steps = failure.history;
        view.failure = maskPayload({ step: failure.step, code: failure.code, message: failure.message, error: failure.error });
        return view;
      }
      view.note = (error as Error).message;
    }
    return view;
  }
  try {
    const status = await flowStatus(flows.client, workflowId);
    view.state = status.state;
    if (status.current !== undefined) view.current = status.current;
    view.steps = status.history;
  } catch (error) {
    view.note = `step history unavailable: ${(error as Error).message}`;
  }
  return view;
}

function renderView(view: FlowView): string {
  const lines = [
    `workflow  ${view.workflowId}`,
    `flow      ${view.flow ?? '-'} (scenario ${view.scenario ?? '-'})`,
    `status    ${view.status}${view.state ? ` (${view.state}${view.current ? ` at ${view.current}` : ''})` : ''}`,
    `started   ${view.startTime}${view.closeTime ? `, closed ${view.closeTime}` : ''}`,
  ];
  let text = `${lines.join('\n')}\n`;
  if (view.steps.length > 0) {
    text += `\n${renderTable(
      ['STEP', 'KIND', 'STATE', 'STARTED', 'ENDED', 'PORT', 'ERROR'],
      view.steps.map((s) => [s.step, s.kind, s.state, s.startedAt, s.endedAt ?? '-', s.port ?? '-', s.error ? `${s.error.code}: ${s.error.message}` : '-']),
    )}`;
  }
  if (view.outputs) for (const output of view.outputs) text += `\noutput ${output.port}: ${JSON.stringify(output.envelope.data)}\n`;
  if (view.failure) text += `\nfailed at ${view.failure.step}: ${view.failure.code}: ${view.failure.message}\n`;
  if (view.note) text += `\nnote: ${view.note}\n`;
  return text;
}

async function start(scenarioId: string, flowId: string, options: { data?: string; key?: string; wait?: boolean }, command: Command): Promise<void> {
  await withTemporal(command, async ({ flows, json, config, next }) => {
    const mixer = await mixerClientFor(config);
    const record = await mixer.getScenario(scenarioId);
    const scenario = record.scenario;
    const flow = findFlow(scenario, flowId);
    if (flow === undefined) {
      throw new RigError('FLOW_UNKNOWN', `scenario ${scenarioId} has no flow ${flowId}`, {
        where: `scenario ${scenarioId} flows`,
        hint: scenario.flows.length === 0 ? 'this scenario has no durable flows' : `its flows: ${scenario.flows.map((f) => f.id).join(', ')}`,
        exitCode: 2,
      });
    }
    if (!flow.trigger.manual) {
      throw new RigError('FLOW_NOT_MANUAL', `flow ${flowId} does not allow manual starts`, { where: `flows.${flowId}.trigger`, hint: 'add `manual: true` to its trigger', exitCode: 2 });
    }
    if (!record.deployed) throw new RigError('FLOW_NOT_DEPLOYED', `scenario ${scenarioId} is not deployed`, { hint: `rig scenario deploy ${scenarioId}`, exitCode: 2 });
    const status = await mixer.status(scenarioId);
    const rack = status.flows.find((placed) => placed.flow === flowId)?.rack;
    if (rack === undefined) {
      const anchor = flowAnchorGear(scenario, flow);
      throw new RigError('FLOW_NOT_PLACED', `no rack runs flow ${flowId} yet (it lives with gear ${anchor}, which is not placed)`, { hint: `rig inspect scenario ${scenarioId}` });
    }
    const plan = validateFlowPlan(flowPlanOf(scenario, flow));
    const envelope: Envelope = {
      id: next(),
      type: 'fluxrig.flow.manual',
      source: 'rig/cli',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: parseData(options.data, '--data'),
      scenario: scenarioId,
      ...(options.key === undefined ? {} : { key: options.key }),
    };
    const { flowResult, startFlow } = await import('../../../pkg/orchestration/index.ts');
    const started = await startFlow({
      client: flows.client,
      rack,
      plan,
      envelope,
      ...(config.temporal.task_queue_prefix === undefined ? {} : { taskQueuePrefix: config.temporal.task_queue_prefix }),
    });
    if (options.wait !== true) {
      print(json, { workflowId: started.workflowId, rack, envelope: envelope.id }, () => `started ${started.workflowId} on rack ${rack}\n`);
      return;
    }
    const result = await flowResult(flows.client, started.workflowId);
    const outputs = maskPayload(result.outputs);
    print(json, { workflowId: started.workflowId, rack, outputs }, () => `${started.workflowId} completed\n${outputs.map((o) => `output ${o.port}: ${JSON.stringify(o.envelope.data)}\n`).join('')}`);
  });
}

async function signal(workflowId: string, name: string, options: { data?: string }, command: Command): Promise<void> {
  await withTemporal(command, async ({ flows, json }) => {
    const { signalFlow } = await import('../../../pkg/orchestration/index.ts');
    await describeFlow(flows, workflowId); // FLOW_NOT_FOUND with a hint rather than a gRPC error
    await signalFlow(flows.client, workflowId, { name, payload: parseData(options.data, '--data') });
    print(json, { workflowId, signal: name, sent: true }, () => `signal ${name} sent to ${workflowId}\n`);
  });
}

async function cancel(workflowId: string, command: Command): Promise<void> {
  await withTemporal(command, async ({ flows, json }) => {
    const { cancelFlow } = await import('../../../pkg/orchestration/index.ts');
    await describeFlow(flows, workflowId);
    await cancelFlow(flows.client, workflowId);
    print(json, { workflowId, cancelRequested: true }, () => `cancellation requested for ${workflowId} (compensations run first)\n`);
  });
}

export function register(program: Command): void {
  const flow = program
    .command('flow')
    .description('durable flows on Temporal: list, show, start, signal, cancel')
    .addHelpText('after', '\nTemporal: temporal.address / temporal.namespace (env FLUXRIG_TEMPORAL_ADDRESS); empty address = `rig run`\'s embedded server on 127.0.0.1:<temporal.embedded_port>.');
  flow
    .command('list')
    .description('recent durable flows, newest first')
    .option('--scenario <id>', 'only flows of this scenario')
    .option('--flow <id>', 'only this flow (with --scenario)')
    .option('--status <status>', 'running, completed, failed, cancelled, terminated, timed_out')
    .option('--limit <n>', 'at most this many (default 50)')
    .action((options: { scenario?: string; flow?: string; limit?: string; status?: string }, command: Command) => list(options, command));
  flow
    .command('show')
    .description('status and step history of one flow, payloads masked')
    .argument('<workflow-id>', 'e.g. payments.settle/123456789 (see `rig flow list`)')
    .action((workflowId: string, _options: unknown, command: Command) => show(workflowId, command));
  flow
    .command('start')
    .description('start a run of a deployed scenario\'s flow (its trigger must say manual: true)')
    .argument('<scenario>', 'scenario id')
    .argument('<flow>', 'flow id')
    .option('--data <json>', 'data of the starting envelope')
    .option('--key <key>', 'envelope key')
    .option('--wait', 'wait for the flow to finish and print its outputs')
    .action((scenario: string, flowId: string, options: { data?: string; key?: string; wait?: boolean }, command: Command) => start(scenario, flowId, options, command));
  flow
    .command('signal')
    .description('send a signal (e.g. approve) to a running flow')
    .argument('<workflow-id>', 'workflow id')
    .argument('<name>', 'signal name a wait or request step accepts')
    .option('--data <json>', 'signal payload')
    .action((workflowId: string, name: string, options: { data?: string }, command: Command) => signal(workflowId, name, options, command));
  flow
    .command('cancel')
    .description('cancel a running flow (its compensations run)')
    .argument('<workflow-id>', 'workflow id')
    .action((workflowId: string, _options: unknown, command: Command) => cancel(workflowId, command));
}
