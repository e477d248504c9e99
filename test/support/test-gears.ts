/**
 * Gears for rack tests, beside the real catalogue: a source that gives an entry wire its producer
 * (the test publishes on that wire itself) and a relay that fusion counts as doing I/O (not pure).
 */
import { z } from 'zod';
import { gearCatalogue } from '../../gears/catalogue.ts';
import type { GearDescriptor } from '../../pkg/gear/descriptor.ts';

/** A gear that only gives the entry wire a producer; the test publishes on that wire itself. */
export const idleSource: GearDescriptor = {
  type: 'test-idle-source',
  summary: 'produces nothing',
  config: z.strictObject({}),
  inputs: [],
  outputs: [{ name: 'out', summary: 'never used' }],
  pure: false,
  create: () => ({}),
};

/** A gear with side effects as far as fusion knows (not pure): passes each message on. */
export const relay: GearDescriptor = {
  type: 'test-relay',
  summary: 'passes messages on',
  config: z.strictObject({}),
  inputs: [{ name: 'in', summary: 'messages' }],
  outputs: [{ name: 'out', summary: 'the same messages' }, { name: 'error', summary: 'failures' }],
  pure: false,
  create: (_config, context) => ({
    handle: (_port, message) => context.emit('out', context.envelope(message.data, { parent: message })),
  }),
};

/** The gear catalogue plus the test gears, as a rack takes it. */
export const testCatalogue = new Map([...gearCatalogue, idleSource, relay].map((descriptor) => [descriptor.type, descriptor]));
