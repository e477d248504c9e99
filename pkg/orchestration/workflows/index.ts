/**
 * Entry point of the workflow bundle: every function exported here is a workflow type the worker
 * registers. Only deterministic workflow modules may be exported or imported from here.
 */
export { durableFlow } from './durable-flow.ts';
