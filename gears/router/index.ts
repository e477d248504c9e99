/**
 * router: content-based routing. Each route has a JSONata condition over the message; the message
 * goes out of the first route whose condition is true (or of every matching route with `mode: all`),
 * else out of `default`. Routes are ports, so a scenario wires `router.visa → …`.
 */
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor, type PortSpec } from '../../pkg/gear/descriptor.ts';
import { compileExpression, isTruthy } from '../../pkg/gear/expression.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

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
    /** Every route whose condition holds, one after the other (mode `all`, or a condition that awaits). */
    async function routeEach(message: Envelope, from: number, first: unknown): Promise<void> {
      let matched = false;
      for (let index = from; index < routes.length; index++) {
        const route = routes[index] as (typeof routes)[number];
        const result = index === from ? first : route.condition.evaluate(message);
        if (!isTruthy(result instanceof Promise ? await result : result)) continue;
        matched = true;
        await context.emit(route.port, message);
        if (config.mode === 'first') return;
      }
      if (!matched) await context.emit('default', message);
    }
    return {
      // Mode `first` with conditions that answer synchronously (JSONata's synchronous subset, the usual
      // case) hands back the one emit's promise: no async function, so no promises of its own per message.
      handle(_port, message) {
        try {
          if (config.mode !== 'first') return routeEach(message, 0, routes[0]?.condition.evaluate(message));
          for (let index = 0; index < routes.length; index++) {
            const route = routes[index] as (typeof routes)[number];
            const result = route.condition.evaluate(message);
            if (result instanceof Promise) return routeEach(message, index, result);
            if (isTruthy(result)) return context.emit(route.port, message);
          }
          return context.emit('default', message);
        } catch (error) {
          return Promise.reject(error);
        }
      },
    };
  },
};
