/**
 * pkg/orchestration: durable flows on Temporal. Gears run as steps of one generic workflow
 * (`durableFlow`), each step the generic `runGearStep` activity, with per-step retries and timeouts,
 * saga compensation, signals, timers and request-reply. This entry is what racks, the mixer and the CLI
 * import; workflow code itself lives under workflows/ and is loaded only from the prebuilt bundle.
 */
export { createGearActivities } from './activities.ts';
export type { GearActivities, GearActivityOptions } from './activities.ts';
export {
  BUNDLE_ENV,
  DIST_WORKFLOW_BUNDLE,
  PAYLOAD_CONVERTER_PATH,
  dataConverter,
  ensureWorkflowBundle,
  workflowSourceHash,
  writeWorkflowBundle,
} from './bundle.ts';
export { connectFlowClient } from './client.ts';
export type { FlowClient } from './client.ts';
export { cancelFlow, flowNotFound, flowResult, flowStatus, listFlows, signalFlow, startFlow, startFlowForEvent } from './flows.ts';
export type { EventStartOptions, FlowSummary, StartFlowOptions, StartedFlow } from './flows.ts';
export { triggerFlowsFromStream } from './event-trigger.ts';
export type { StreamTriggerOptions } from './event-trigger.ts';
export { eventTypesOf, exportFlowHistory, parseFlowHistory } from './history.ts';
export * from './plan.ts';
export { flowPlanSchema, validateFlowPlan } from './plan-schema.ts';
export { scheduleFlow } from './schedules.ts';
export { iso8583ReversalPlan } from './templates/iso8583-reversal.ts';
export type { ReversalFlowOptions } from './templates/iso8583-reversal.ts';
export type { ScheduleFlowOptions } from './schedules.ts';
export { DEFAULT_TASK_QUEUE_PREFIX, DEFAULT_TEMPORAL_SETTINGS, taskQueueFor, temporalSettingsFrom } from './settings.ts';
export type { TemporalConfigSection, TemporalSettings } from './settings.ts';
export { createFlowWorker, installFlowRuntime } from './worker.ts';
export type { FlowWorker, FlowWorkerOptions } from './worker.ts';
