/**
 * The scenario model: what a scenario file may say, as one zod schema. The same schema validates files
 * and REST bodies and is published as JSON Schema (configs/scenario.schema.json), so the format is
 * declared once. Graph rules that need the gear catalogue (types, ports, cycles) live in graph.ts.
 */
import { z } from 'zod';
// The plan schema module itself, not pkg/orchestration's index: that one loads the Temporal client and
// worker, which `rig check` and the mixer must not pay for to validate a file.
import { flowPlanSchema } from '../orchestration/plan-schema.ts';

/** Ids become NATS subject tokens and Temporal workflow ids: keep them to a safe alphabet. */
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 characters of letters, digits, "_" or "-", starting with a letter or digit');

/** `gear.port`, e.g. `parse.out`. */
const portRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*\.[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must look like "<gear>.<port>", e.g. "parse.out"');

/** Durations as `250ms`, `5s`, `2m`, `1h` (Temporal accepts the same strings). */
export const duration = z
  .string()
  .regex(/^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/, 'must be a duration such as "250ms", "5s", "2m" or "1h"');

const labels = z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'label names are letters, digits, "_", "." or "-"'), z.string());

export const placementSchema = z.strictObject({
  /** A rack takes the work only if its labels include all of these. */
  labels: labels.default({}),
});

export const gearSchema = z.strictObject({
  id: identifier,
  type: z.string().min(1),
  summary: z.string().optional(),
  /** Gear-specific config, validated against the gear's own schema from the catalogue. */
  config: z.record(z.string(), z.unknown()).default({}),
  /** Overrides the scenario-level placement for this gear. */
  placement: placementSchema.optional(),
  /** Messages this gear handles at once per input port on a rack (default: the rack's setting). */
  concurrency: z.number().int().min(1).max(4096).optional(),
});

/**
 * A wire: the messages leaving one output port for one input port, on the JetStream subject
 * `fluxrig.data.<scenario>.<wire>`.
 *
 * Fusion (the default): when the wire leads into a pure gear (parse, build, router, transform, filter)
 * that runs on the same rack as the gear producing on it, and no durable flow reads the wire, the rack
 * runs the pure gear in process as part of the producer's handling instead of storing the message on
 * the wire and consuming it again (pkg/rack/fusion.ts). Spans, gear metrics, `messages` rows and error
 * ports stay per gear; what is fused simply never appears on the wire's subject. `fuse: false` keeps
 * the JetStream hop, for a wire you want to observe (or tap) on NATS.
 *
 * `fuse: always` fuses a wire into a gear that does I/O as well (an ISO 8583 client, a server's reply
 * port, a sink), on the same conditions. Nothing is lost that JetStream would have kept where the
 * producer's own input is a stored message: it is acked only once the whole chain is done, and a
 * redelivery replays the chain, I/O included (at least once, as a redelivered I/O gear input would).
 * Where the producer is a source (a listener), what is in flight on the wire lives in the rack's
 * memory only, like the source's own connections; and the chain holds the producer's delivery (and its
 * concurrency slot) until the I/O is done, back-pressure instead of a backlog on the stream.
 */
export const wireSchema = z.strictObject({
  /** Name of the wire; becomes the last token of `fluxrig.data.<scenario>.<wire>`. Derived when absent. */
  id: identifier.optional(),
  from: portRef,
  to: portRef,
  /**
   * `false` keeps this wire a JetStream hop even where the rack could run its pure receiving gear in
   * process; `always` also fuses it into a receiving gear that does I/O.
   */
  fuse: z
    .union([z.boolean(), z.literal('always')])
    .optional()
    .describe(
      'Default true: a wire into a pure gear (parse, build, router, transform, filter) on the same rack as its producer, read by no durable flow, ' +
        'is run in process (no message on fluxrig.data.<scenario>.<wire>; spans, metrics and error ports stay per gear). ' +
        'false keeps the durable JetStream hop, e.g. to observe the wire on NATS. ' +
        '"always" fuses it also into a gear that does I/O (client, reply port, sink): the chain then holds the producer\'s delivery until that I/O is done, ' +
        'and where the producer is a source (a listener) what is in flight on the wire lives in the rack\'s memory only.',
    ),
});

/**
 * What starts a durable flow. A flow may have several triggers at once (e.g. a wire and `manual`).
 * Subjects must lie in a fluxrig stream (`fluxrig.data.>` or `fluxrig.events.>`): event triggers read
 * through a durable JetStream consumer, so a message that arrived while no rack ran the flow is not lost.
 */
export const triggerSchema = z
  .strictObject({
    /** Start one run per message on this wire of the scenario (the flow reads its own copy). */
    wire: identifier.optional(),
    /** Start one run per message on this subject (wildcards allowed). */
    subject: z
      .string()
      .regex(/^fluxrig\.(?:data|events)\.[^\s]+$/, 'must be a subject under fluxrig.data.> or fluxrig.events.> (the streams a flow can read durably)')
      .optional(),
    /**
     * Temporal Schedule cron (UTC): 5 fields (minute hour day month weekday), 6 (… year) or 7 (second
     * first, year last), or a named one such as "@hourly".
     */
    cron: z
      .string()
      .regex(/^(?:@\w+|\S+(?:\s+\S+){4,6})$/, 'must be a cron expression of 5 to 7 fields (7 = seconds first, year last) or @hourly/@daily/…')
      .optional(),
    /** Allow `rig flow start`. */
    manual: z.boolean().default(false),
  })
  .refine((t) => t.wire !== undefined || t.subject !== undefined || t.cron !== undefined || t.manual, {
    message: 'a trigger needs at least one of wire, subject, cron or manual: true',
  });

/** The output ports a durable flow has as a node of the wire graph. */
export const FLOW_OUTPUT_PORTS = ['out', 'error'] as const;
export type FlowOutputPort = (typeof FLOW_OUTPUT_PORTS)[number];

/**
 * `emit: out|error` on a gear step, compensation or onError entry: what the step passes on is also
 * published at once to the wires leaving that port of the flow, while the flow goes on. That is how a
 * flow answers early and keeps working, e.g. answers the acquirer with 91 before its reversal loop.
 * The step's gear then runs inside the publishing activity (pkg/scenario/flow-plan.ts), so it must be
 * pure, cannot be `local` and cannot `take` a port.
 */
const emit = z.enum(FLOW_OUTPUT_PORTS).optional();
// The plan's own step and invocation schemas, extended by `emit`: same fields and checks otherwise.
const [planGearStep, planRequestStep, planWaitStep, planSleepStep] = flowPlanSchema.shape.steps.element.options;
const flowStepSchema = z.discriminatedUnion('kind', [planGearStep.extend({ emit }), planRequestStep, planWaitStep, planSleepStep]);
const flowInvocationSchema = flowPlanSchema.shape.onError.unwrap().element.extend({ emit });

/**
 * A durable flow: the FlowPlan of pkg/orchestration (steps of kind gear/wait/sleep/request,
 * compensations, onError; same field names and checks, composed rather than copied) plus what only a
 * scenario knows: its id, its triggers, how runs are keyed and `emit` (above). In a gear step (and in
 * compensations, onError and `before` stages) `gear` names either a gear of this scenario by id, whose
 * type and config the step takes, or a gear type from the catalogue with the step's own inline `config`.
 *
 * A flow is also a node of the wire graph: `<flow>.in` (a wire into it must be its trigger.wire),
 * `<flow>.out` (the envelope the last step passes on, once the flow completed) and `<flow>.error` (the
 * error envelope, after compensations and onError ran). Wires from those ports continue the scenario
 * inline.
 */
export const flowSchema = flowPlanSchema.omit({ flow: true, scenario: true }).extend({
  steps: z.array(flowStepSchema).min(1),
  compensations: z.array(flowInvocationSchema).optional(),
  onError: z.array(flowInvocationSchema).optional(),
  id: identifier,
  summary: z.string().optional(),
  /** Only durable flows exist: inline processing is gears joined by wires. */
  durable: z.literal(true, { error: 'only durable flows are supported (durable: true); inline processing is gears joined by wires' }),
  trigger: triggerSchema,
  /** One workflow per message (dedup by envelope id) or one at a time per envelope `key`. */
  workflow_per: z.enum(['message', 'key']).default('message'),
});

export const scenarioSchema = z.strictObject({
  id: identifier,
  name: z.string().optional(),
  description: z.string().optional(),
  placement: placementSchema.default({ labels: {} }),
  gears: z.array(gearSchema).min(1, 'a scenario needs at least one gear'),
  wires: z.array(wireSchema).default([]),
  flows: z.array(flowSchema).default([]),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioGear = z.infer<typeof gearSchema>;
export type ScenarioWire = z.infer<typeof wireSchema>;
export type ScenarioFlow = z.infer<typeof flowSchema>;
export type ScenarioFlowTrigger = z.infer<typeof triggerSchema>;
export type ScenarioFlowStep = z.infer<typeof flowStepSchema>;
export type ScenarioFlowInvocation = z.infer<typeof flowInvocationSchema>;

/** The wire's subject token: its id, or `<fromGear>-<fromPort>--<toGear>-<toPort>` when unnamed. */
export function wireName(wire: ScenarioWire): string {
  if (wire.id) return wire.id;
  return `${wire.from.replace('.', '-')}--${wire.to.replace('.', '-')}`;
}

export function splitPortRef(ref: string): { gear: string; port: string } {
  const dot = ref.indexOf('.');
  return { gear: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** Milliseconds of a duration string accepted by `duration`. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
