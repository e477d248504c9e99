/**
 * The unit of work both sides of bench/durable perform per step: append a mark to `data.trail`.
 * As a gear (durable flow) and as a plain activity (bare baseline), so both run the same code.
 */
import { z } from 'zod';
import type { GearDescriptor } from '../../pkg/gear/descriptor.ts';

export function appendMark(data: { trail: string[] }, mark: string): { trail: string[] } {
  return { ...data, trail: [...data.trail, mark] };
}

export interface BareActivities {
  append(data: { trail: string[] }, mark: string): Promise<{ trail: string[] }>;
}

export const bareActivities: BareActivities = {
  async append(data, mark) {
    return appendMark(data, mark);
  },
};

export const benchAppendGear: GearDescriptor<{ mark: string }> = {
  type: 'bench-append',
  summary: 'appends a mark to data.trail',
  config: z.object({ mark: z.string() }),
  inputs: [{ name: 'in', summary: 'message' }],
  outputs: [
    { name: 'out', summary: 'message with the mark' },
    { name: 'error', summary: 'failures' },
  ],
  pure: true,
  create(config, ctx) {
    return {
      async handle(_port, message) {
        await ctx.emit('out', ctx.envelope(appendMark(message.data as { trail: string[] }, config.mark), { parent: message }));
      },
    };
  },
};
