/**
 * filter: lets a message through `out` when its JSONata condition holds, else sends it to `rejected`
 * (wire it nowhere to drop). The message passes unchanged.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { compileExpression, isTruthy } from '../../pkg/gear/expression.ts';

export const filterConfig = z.strictObject({
  /** JSONata condition, e.g. `$number(fields."4") < 100000`. */
  condition: z.string().min(1),
});
export type FilterConfig = z.infer<typeof filterConfig>;

export const descriptor: GearDescriptor<FilterConfig> = {
  type: 'filter',
  summary: 'Passes messages whose JSONata condition holds; the rest go to `rejected`',
  config: filterConfig,
  inputs: [{ name: 'in', summary: 'messages to test' }],
  outputs: [
    { name: 'out', summary: 'messages that passed' },
    { name: 'rejected', summary: 'messages that did not pass' },
    { name: ERROR_PORT, summary: 'messages the condition failed to evaluate on' },
  ],
  pure: true,
  create(config, context) {
    const condition = compileExpression(config.condition, 'condition');
    return {
      async handle(_port, message) {
        const result = condition.evaluate(message);
        await context.emit(isTruthy(result instanceof Promise ? await result : result) ? 'out' : 'rejected', message);
      },
    };
  },
};
