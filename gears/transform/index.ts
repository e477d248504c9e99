/**
 * transform: reshapes each message's data with one JSONata expression; headers, key and trace carry
 * over. A result of `undefined` (the expression selected nothing) is an error, not an empty message.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { compileExpression } from '../../pkg/gear/expression.ts';
import { RigError } from '../../pkg/errors/index.ts';

export const transformConfig = z.strictObject({
  /** JSONata; the root is the message data, e.g. `{ "pan": fields."2", "amount": $number(fields."4") / 100 }`. */
  expression: z.string().min(1),
  /** Optional new CloudEvents type for the output. */
  type: z.string().optional(),
});
export type TransformConfig = z.infer<typeof transformConfig>;

export const descriptor: GearDescriptor<TransformConfig> = {
  type: 'transform',
  summary: 'Reshapes message data with a JSONata expression',
  config: transformConfig,
  inputs: [{ name: 'in', summary: 'messages to transform' }],
  outputs: [
    { name: 'out', summary: 'transformed messages' },
    { name: ERROR_PORT, summary: 'messages the expression failed on or selected nothing from' },
  ],
  pure: true,
  create(config, context) {
    const expression = compileExpression(config.expression, 'expression');
    return {
      async handle(_port, message) {
        const evaluated = expression.evaluate(message);
        const result = evaluated instanceof Promise ? await evaluated : evaluated;
        if (result === undefined) throw new RigError('TRANSFORM_EMPTY', 'the expression selected nothing from this message', { where: 'expression' });
        await context.emit('out', context.envelope(result, config.type ? { parent: message, type: config.type } : { parent: message }));
      },
    };
  },
};
