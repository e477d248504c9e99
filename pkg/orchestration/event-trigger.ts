/**
 * Event trigger: a durable JetStream consumer on the flow's trigger subjects starts one durable flow
 * per message. The message is acked only after Temporal accepted the start, and the workflow id comes
 * from the envelope (id, or key with `per: 'key'`), so redeliveries and duplicate publishes never start
 * a second flow: at-least-once in, exactly one flow out. Racks sharing the durable name share the work.
 * With `per: 'key'` a message whose key has a run in progress fails its delivery (FLOW_KEY_BUSY) and is
 * redelivered with back-off until that run closed, so runs of one key never overlap (publish order is
 * kept only with concurrency 1).
 * This module starts flows; it never runs them (the worker does).
 */
import type { Client } from '@temporalio/client';
import type { Bus, RunningConsumer } from '../bus/index.ts';
import type { FlowPlan } from './plan.ts';
import { startFlowForEvent } from './flows.ts';

export interface StreamTriggerOptions {
  bus: Bus;
  client: Client;
  /** Rack whose task queue runs the flows. */
  rack: string;
  taskQueuePrefix?: string;
  plan: FlowPlan;
  per?: 'message' | 'key';
  /** Stream holding the trigger subjects, e.g. FLUXRIG_DATA or FLUXRIG_EVENTS. */
  stream: string;
  subjects: string[];
  /** Durable consumer name; default `flow-<scenario>-<flow>`. */
  durable?: string;
  /** Starts in flight at once (default 16). */
  concurrency?: number;
  /** `per: 'key'`: deliveries before a message waiting for its key is dead-lettered (default 10000). */
  maxDeliverPerKey?: number;
  /** Called once per message with the started (or already existing) workflow id. */
  onStarted?: (workflowId: string, duplicate: boolean) => void;
}

export async function triggerFlowsFromStream(options: StreamTriggerOptions): Promise<RunningConsumer> {
  const durable = options.durable ?? `flow-${options.plan.scenario}-${options.plan.flow}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return options.bus.consume(
    {
      stream: options.stream,
      durable,
      filterSubjects: options.subjects,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      // Per key, a message waits (redelivered) while its key's run is going: allow many deliveries.
      ...(options.per === 'key' ? { maxDeliver: options.maxDeliverPerKey ?? 10_000, backoffMs: [200, 1_000, 5_000] } : {}),
    },
    async (envelope) => {
      const started = await startFlowForEvent({
        client: options.client,
        rack: options.rack,
        plan: options.plan,
        envelope,
        ...(options.per === undefined ? {} : { per: options.per }),
        ...(options.taskQueuePrefix === undefined ? {} : { taskQueuePrefix: options.taskQueuePrefix }),
      });
      options.onStarted?.(started.workflowId, started.duplicate);
    },
  );
}
