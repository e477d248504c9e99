/**
 * router: content-based routing. Each route has a JSONata condition over the message; the message
 * goes out of the first route whose condition is true (or of every matching route with `mode: all`),
 * else out of `default`. Routes are ports, so a scenario wires `router.visa → …`.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor, type PortSpec } from '../../pkg/gear/descriptor.ts';
import { compileExpression, isTruthy } from '../../pkg/gear/expression.ts';

const portName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'route names become port names: letters, digits, "_" or "-"');

export const routerConfig = z.strictObject({
  routes: z
    .array(z.strictObject({ name: portName, when: z.string().min(1) }))
    .min(1)
    .refine((routes) => new Set(routes.map((r) => r.name)).size === routes.length, 'route names must be unique')
    .refine((routes) => routes.every((r) => r.name !== 'default' && r.name !== ERROR_PORT), 'route names "default" and "error" are reserved'),
  /** `first`: the first matching route only; `all`: a copy to every matching route. */
  mode: z.enum(['first', 'all']).default('first'),
});
export type RouterConfig = z.infer<typeof routerConfig>;

const fixedOutputs: PortSpec[] = [
  { name: 'default', summary: 'messages no route matched' },
  { name: ERROR_PORT, summary: 'messages whose condition failed to evaluate' },
];

export const descriptor: GearDescriptor<RouterConfig> = {
  type: 'router',
  summary: 'Routes each message to the port of the first (or every) route whose JSONata condition holds',
  config: routerConfig,
  inputs: [{ name: 'in', summary: 'messages to route' }],
  outputs: fixedOutputs,
  portsFor: (config) => ({ outputs: [...config.routes.map((route) => ({ name: route.name, summary: `when ${route.when}` })), ...fixedOutputs] }),
  pure: true,
  create(config, context) {
    const routes = config.routes.map((route, index) => ({ port: route.name, condition: compileExpression(route.when, `routes[${index}].when`) }));
    return {
      async handle(_port, message) {
        let matched = false;
        for (const route of routes) {
          const result = route.condition.evaluate(message);
          if (!isTruthy(result instanceof Promise ? await result : result)) continue;
          matched = true;
          await context.emit(route.port, message);
          if (config.mode === 'first') return;
        }
        if (!matched) await context.emit('default', message);
      },
    };
  },
};
