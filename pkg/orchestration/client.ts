/**
 * The Temporal client side: one connection per process, used to start, signal, query, cancel and
 * schedule flows. Connection failures become RigError ORCH_CONNECT naming the address, so `rig` prints
 * where it tried and what to check. Never used inside workflow code.
 */
import { Client, Connection } from '@temporalio/client';
import { RigError } from '../errors/index.ts';
import { dataConverter } from './bundle.ts';
import type { TemporalSettings } from './settings.ts';

export interface FlowClient {
  client: Client;
  settings: TemporalSettings;
  close(): Promise<void>;
}

export async function connectFlowClient(settings: TemporalSettings): Promise<FlowClient> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: settings.address });
  } catch (err) {
    throw new RigError('ORCH_CONNECT', `cannot reach Temporal at ${settings.address}: ${(err as Error).message}`, {
      where: 'temporal.address',
      hint: 'start `rig run` (embedded dev server) or point temporal.address at a running cluster',
      cause: err,
    });
  }
  const client = new Client({ connection, namespace: settings.namespace, dataConverter });
  return { client, settings, close: () => connection.close() };
}
