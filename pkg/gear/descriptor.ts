/**
 * The gear contract (STYLE §2): every gear folder exports one GearDescriptor. `rig check`, the mixer's
 * gear catalogue, the docs and the rack all read this descriptor; nothing about a gear is written twice.
 *
 * A gear never sees NATS, Temporal or HTTP-framework types: it receives envelopes on input ports and
 * emits envelopes on output ports through its GearContext. The same instance code therefore runs inline
 * on a rack (emit → publish to `fluxrig.data.<scenario>.<wire>`) and as a Temporal activity (emit →
 * collected and returned as the activity result).
 */
import type { z } from 'zod';
import type { Envelope } from '../wire/envelope.ts';

export interface PortSpec {
  name: string;
  summary: string;
  /**
   * What travels on the port, e.g. `iso8583/bytes`, `iso8583/message`, `http/request`; `any` (the
   * default) matches everything. Scenario validation rejects a wire between two ports whose kinds differ.
   */
  carries?: string;
  /**
   * Input ports only: the output ports a message arriving here can lead to (default: all outputs).
   * `[]` marks a sink-like input such as a listener's `reply`, which lets a scenario close a
   * request/response loop (server.out → … → server.reply) without it counting as a cycle.
   */
  feeds?: string[];
}

/** Minimal structured logger a gear receives; the rack binds scenario/gear fields and masking. */
export interface GearLogger {
  trace(obj: Record<string, unknown> | string, msg?: string): void;
  debug(obj: Record<string, unknown> | string, msg?: string): void;
  info(obj: Record<string, unknown> | string, msg?: string): void;
  warn(obj: Record<string, unknown> | string, msg?: string): void;
  error(obj: Record<string, unknown> | string, msg?: string): void;
}

/** What the host gives a gear instance. */
export interface GearContext {
  /** Scenario id the instance belongs to. */
  readonly scenario: string;
  /** Gear id inside the scenario (not the type). */
  readonly gearId: string;
  readonly log: GearLogger;
  /** Aborted when the host stops the gear; long waits must honour it. */
  readonly signal: AbortSignal;
  /** Send a message out of an output port. Resolves once the host has accepted it (published/collected). */
  emit(port: string, message: Envelope): Promise<void>;
  /**
   * Whether anything receives what `port` emits right now. A gear may skip building a message nobody
   * receives (a report port left unwired); emitting on an unwired port is still allowed and dropped.
   */
  wired(port: string): boolean;
  /** Build a new envelope (fresh Sonyflake id, time, source, traceparent carried from `parent`). */
  envelope(data: unknown, init?: Partial<Envelope> & { parent?: Envelope }): Envelope;
}

/** A running gear. Sources implement start(); processors implement handle(); both may implement stop(). */
export interface GearInstance {
  /** Begin producing (listeners, generators, timers). Must return once ready, not when finished. */
  start?(): Promise<void>;
  /** Process one message arriving on input port `port`. Throwing routes the message to the `error` port. */
  handle?(port: string, message: Envelope): Promise<void>;
  /** Stop accepting new work, finish in-flight work, release resources. */
  stop?(): Promise<void>;
}

export interface GearDescriptor<Config = unknown> {
  /** Type name used in scenarios, e.g. `iso8583-parse`. */
  type: string;
  /** One line for the catalogue. */
  summary: string;
  /** zod schema of the config block; defaults applied here. Its JSON Schema is published by the catalogue. */
  config: z.ZodType<Config>;
  inputs: PortSpec[];
  /** Every gear has an `error` output port; descriptors list it explicitly. */
  outputs: PortSpec[];
  /**
   * Ports that depend on config (a router's routes): when present, the catalogue and scenario checks use
   * what it returns instead of the static `inputs` / `outputs`.
   */
  portsFor?(config: Config): { inputs?: PortSpec[]; outputs?: PortSpec[] };
  /**
   * Pure gears (no I/O, no clock; the same input always emits the same outputs) can run as Temporal
   * local activities and test without servers, and a rack fuses the wires into them (pkg/rack/fusion.ts):
   * it runs them in process inside the producer's handling and replays them on redelivery. A pure gear
   * must therefore not mutate the envelope it receives: fused, that is the producer's own object. The
   * same holds for every gear, pure or not, since a wire marked `fuse: always` fuses into any gear.
   */
  pure: boolean;
  create(config: Config, context: GearContext): GearInstance;
}

/** The conventional error port name, present on every gear. */
export const ERROR_PORT = 'error';
