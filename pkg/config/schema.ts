/**
 * The whole rig.toml schema: one zod object per section, each in `sections/<name>.ts`.
 * To add a section: write its file (fields with defaults and a description each), add it here and
 * document its keys in configs/rig.toml (a test fails until you do). Keys are snake_case.
 */
import { z } from 'zod';
import { iso8583Section } from './sections/iso8583.ts';
import { logSection } from './sections/log.ts';
import { mixerSection } from './sections/mixer.ts';
import { natsSection } from './sections/nats.ts';
import { nodeSection } from './sections/node.ts';
import { rackSection } from './sections/rack.ts';
import { telemetrySection } from './sections/telemetry.ts';
import { temporalSection } from './sections/temporal.ts';

export const configSchema = z.object({
  node: nodeSection,
  log: logSection,
  nats: natsSection,
  temporal: temporalSection,
  mixer: mixerSection,
  rack: rackSection,
  telemetry: telemetrySection,
  iso8583: iso8583Section,
});

/** The effective, typed configuration (durations in ms, sizes in bytes). */
export type RigConfig = z.output<typeof configSchema>;
/** What rig.toml may contain (every key optional, durations and sizes as text). */
export type RigConfigInput = z.input<typeof configSchema>;
