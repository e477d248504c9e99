/**
 * Workflow histories as JSON files: what the replay test feeds back to the current workflow code, and
 * what `rig flow show` can summarise. Read-only: never changes a flow.
 *
 * Format: protobufjs's own JSON form of temporal.api.history.v1.History (enum names such as
 * `EVENT_TYPE_MARKER_RECORDED`, int64 as strings, bytes as base64), written with `History.toJSON()` and
 * read with `History.fromObject()`. Not the proto3-JSON of `temporal workflow show -o json`: the SDK's
 * historyToJSON/historyFromJSON fail in this install ("type must be a Type") because @temporalio/common
 * and @temporalio/proto each carry their own nested protobufjs 8 copy, so a Type from one is not an
 * instance for the other. Both calls used here stay inside @temporalio/proto's single copy.
 * @temporalio/proto is the exact-version dependency of @temporalio/client/common (1.24.0).
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.History;
const { History } = proto.temporal.api.history.v1;

/** The history of a flow as a JSON string (see the format note above). */
export async function exportFlowHistory(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(History.fromObject(history).toJSON(), null, 1);
}

/** Parse a JSON history file back into the History message `Worker.runReplayHistory` takes. */
export function parseFlowHistory(json: string): History {
  return History.fromObject(JSON.parse(json) as Record<string, unknown>);
}

/** Event type names of a JSON history, in order (for assertions and summaries). */
export function eventTypesOf(json: string): string[] {
  const parsed = JSON.parse(json) as { events?: { eventType?: string }[] };
  return (parsed.events ?? []).map((e) => e.eventType ?? 'EVENT_TYPE_UNSPECIFIED');
}
