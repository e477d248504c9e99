/**
 * Shared set-up for orchestration tests: the run's Temporal dev server (test/support/engines.ts), a
 * client, and an in-process flow worker on a task queue unique to the test, over the test gears.
 */
import { randomBytes } from 'node:crypto';
import type { GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import type { FlowClient } from '../../pkg/orchestration/client.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import type { FlowResult } from '../../pkg/orchestration/plan.ts';
import type { TemporalSettings } from '../../pkg/orchestration/settings.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { useTemporal } from '../support/engines.ts';
import { testCatalogue } from './gears.ts';

export interface OrchestrationHarness {
  settings: TemporalSettings;
  flows: FlowClient;
  rack: string;
  close(): Promise<void>;
}

/** Unique suffix for racks, flows and envelope ids: test files share one server. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function temporalSettings(): Promise<TemporalSettings> {
  const { address, namespace } = await useTemporal();
  return { address, namespace };
}

/** A client plus a running in-process worker for a fresh rack. */
export async function startHarness(catalogue: readonly GearDescriptor[] = testCatalogue): Promise<OrchestrationHarness> {
  const settings = await temporalSettings();
  const rack = unique('rack');
  const worker = await createFlowWorker({ settings, rack, catalogue, shutdownGraceTime: '2s' });
  const running = worker.run();
  const flows = await connectFlowClient(settings);
  return {
    settings,
    flows,
    rack,
    async close() {
      await worker.shutdown();
      await running;
      await flows.close();
    },
  };
}

let counter = 0;
export function testEnvelope(data: unknown, init: Partial<Envelope> = {}): Envelope {
  counter += 1;
  return {
    id: `${Date.now()}${String(counter).padStart(4, '0')}`,
    type: 'fluxrig.test',
    source: 'test/orchestration',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
    ...init,
  };
}

/** Data of the first output of a finished flow (fails the test when there is none). */
export function dataOf<T = Record<string, unknown>>(result: FlowResult): T {
  const first = result.outputs[0];
  if (first === undefined) throw new Error(`flow ${result.flow} produced no output`);
  return first.envelope.data as T;
}

export function trailOf(result: FlowResult): string[] {
  return dataOf<{ trail: string[] }>(result).trail;
}
