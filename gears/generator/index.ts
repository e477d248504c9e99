/**
 * generator: a source that emits a message every `interval`, `count` times (0 = until stopped). The
 * payload is `data` as given, or the result of a JSONata `expression` over `{ seq, time }`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { compileExpression } from '../../pkg/gear/expression.ts';
import { duration, durationMs } from '../../pkg/scenario/model.ts';

export const generatorConfig = z.strictObject({
  interval: duration.default('1s'),
  count: z.number().int().min(0).default(0),
  data: z.unknown().optional(),
  expression: z.string().optional(),
  type: z.string().default('fluxrig.generated'),
});
export type GeneratorConfig = z.infer<typeof generatorConfig>;

export const descriptor: GearDescriptor<GeneratorConfig> = {
  type: 'generator',
  summary: 'Emits a message every interval (fixed data or a JSONata expression over seq and time)',
  config: generatorConfig,
  inputs: [],
  outputs: [
    { name: 'out', summary: 'generated messages' },
    { name: ERROR_PORT, summary: 'ticks whose expression failed' },
  ],
  pure: false,
  create(config, context) {
    const expression = config.expression === undefined ? undefined : compileExpression(config.expression, 'expression');
    const every = durationMs(config.interval);
    let loop: Promise<void> | undefined;
    const tick = async (seq: number) => {
      const time = new Date().toISOString();
      const data = expression ? await expression.evaluate(context.envelope({ seq, time })) : (config.data ?? { seq, time });
      await context.emit('out', context.envelope(data, { type: config.type, headers: { seq: String(seq) } }));
    };
    const run = async () => {
      for (let seq = 1; config.count === 0 || seq <= config.count; seq++) {
        if (context.signal.aborted) return;
        try {
          await tick(seq);
        } catch (error) {
          await context.emit(ERROR_PORT, context.envelope({ seq, error: (error as Error).message }, { type: 'fluxrig.error' }));
        }
        if (config.count !== 0 && seq === config.count) return;
        await sleep(every, undefined, { signal: context.signal }).catch(() => undefined);
      }
    };
    return {
      async start() {
        loop = run();
      },
      async stop() {
        await loop;
      },
    };
  },
};
