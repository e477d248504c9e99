/**
 * Operator fusion: which wires of a scenario a rack runs in process instead of through JetStream.
 *
 * A wire is fused on a rack when
 *   - it leads into a gear whose descriptor is `pure` (deterministic, no I/O: parse, build, router,
 *     transform, filter),
 *   - both the gear producing on it and that pure gear run on this rack,
 *   - nothing else in the scenario reads it (no durable flow triggered by the wire or by a subject
 *     pattern matching it; a wire always has exactly one receiving port),
 *   - and the scenario does not opt out with `fuse: false` on the wire.
 * With `fuse: always` on the wire, the receiving gear need not be pure: a gear doing I/O (an ISO 8583
 * client, a listener's reply port) is run in process the same way. That gear then runs inside the
 * producer's delivery until its I/O is done; a redelivered producer input replays it, I/O included,
 * as a redelivery of the gear's own input would (scenario/model.ts says what an operator gives up).
 *
 * The producer then hands what it emits on that wire straight to the pure gear (gear-host.ts), and
 * the pure gear's own outputs are again fused or published, so a chain of pure gears becomes one step
 * of the producer: consume once, run the chain, publish the chain's final outputs durably, ack once.
 * A pure gear replays identically from the same input, so redelivering the producer's input replays
 * the chain and its final outputs keep their dedup keys (derived from the input and the path).
 *
 * The pure gear's own consumer on the wire keeps running: it takes whatever still arrives on the
 * subject (messages stored before fusion, from a producer on another rack, and the fallbacks the
 * producer publishes when the pure gear throws with no error wire, so retries and dead-lettering
 * stay exactly as they were).
 */
import type { GearDescriptor } from '../gear/descriptor.ts';
import { type Scenario, splitPortRef, wireName } from '../scenario/model.ts';
import { dataSubject } from '../wire/subjects.ts';

/** The receiving end of a fused wire: a gear on this rack (pure, or any with `fuse: always`) and its input port. */
export interface FusedInput {
  gear: string;
  port: string;
}

/** Wire name → where its messages are handled in process, for the gears `gearIds` this rack runs. */
export function fusedWires(scenario: Scenario, gearIds: Iterable<string>, catalogue: ReadonlyMap<string, GearDescriptor>): Map<string, FusedInput> {
  const here = new Set(gearIds);
  const gears = new Map(scenario.gears.map((gear) => [gear.id, gear]));
  const watchedBy = flowTriggerPatterns(scenario);
  const fused = new Map<string, FusedInput>();
  for (const wire of scenario.wires) {
    if (wire.fuse === false) continue;
    const from = splitPortRef(wire.from);
    const to = splitPortRef(wire.to);
    const target = gears.get(to.gear);
    if (!target || !here.has(to.gear) || !here.has(from.gear) || !gears.has(from.gear)) continue;
    if (catalogue.get(target.type)?.pure !== true && wire.fuse !== 'always') continue;
    const name = wireName(wire);
    const subject = dataSubject(scenario.id, name);
    if (watchedBy.wires.has(name) || watchedBy.subjects.some((pattern) => subjectMatches(pattern, subject))) continue;
    fused.set(name, { gear: to.gear, port: to.port });
  }
  return fused;
}

function flowTriggerPatterns(scenario: Scenario): { wires: Set<string>; subjects: string[] } {
  const wires = new Set<string>();
  const subjects: string[] = [];
  for (const flow of scenario.flows) {
    if (flow.trigger.wire !== undefined) wires.add(flow.trigger.wire);
    if (flow.trigger.subject !== undefined) subjects.push(flow.trigger.subject);
  }
  return { wires, subjects };
}

/** NATS subject matching: `*` is one token, a trailing `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length) return false;
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}
