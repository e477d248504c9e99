/**
 * The baseline of bench/durable: a bare Temporal TypeScript workflow calling three activities that do
 * the same work as the durable flow's three gear steps, with the same timeout and no fluxrig machinery
 * (no plan walk, no step history, no generic gear activity). Deterministic like any workflow.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './work.ts';

const { append } = proxyActivities<BareActivities>({ startToCloseTimeout: '30s' });

export async function bareThreeSteps(data: { trail: string[] }): Promise<{ trail: string[] }> {
  const a = await append(data, 'a');
  const b = await append(a, 'b');
  return append(b, 'c');
}
