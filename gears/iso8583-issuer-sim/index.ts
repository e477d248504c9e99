/**
 * iso8583-issuer-sim: the built-in issuer simulator as a gear, so a scenario (such as the example
 * payment switch) can include a card issuer that answers on a TCP port by rule. It has no input ports:
 * the issuer-facing iso8583-client gear talks to it over real TCP, like to a real issuer.
 *
 * `received` reports every request it got (network management excluded) with its answer, or none
 * when a rule kept it silent: wire it to a file to watch authorisations, reversals and their repeats
 * arrive. PANs and other sensitive fields are masked before they leave the gear.
 */
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { maskMessage } from '../../pkg/iso8583/mask.ts';
import { type IssuerExchange, issuerConfigSchema, resolveSpec, startIssuer, type IssuerConfig, type IssuerSimulator } from '../../pkg/sim/issuer.ts';

/** CloudEvents type of what `received` carries. */
export const EXCHANGE_TYPE = 'fluxrig.iso8583.sim.exchange';

export const descriptor: GearDescriptor<IssuerConfig> = {
  type: 'iso8583-issuer-sim',
  summary: 'Simulated card issuer on a TCP port: approves, declines or ignores requests by JSONata rule',
  config: issuerConfigSchema,
  inputs: [],
  outputs: [
    { name: 'received', summary: 'each request received, masked, with the answer given ({ request, answer, delay_ms }; answer null when silent)' },
    { name: ERROR_PORT, summary: 'unused: the simulator answers over TCP only' },
  ],
  pure: false,
  create(config, context) {
    let issuer: IssuerSimulator | undefined;
    const spec = resolveSpec(config.spec);
    const report = (exchange: IssuerExchange): void => {
      // Masking two messages per request is most of a report's cost: none when nobody reads them.
      if (!context.wired('received')) return;
      const data = {
        request: maskMessage(exchange.request, spec),
        answer: exchange.response === undefined ? null : maskMessage(exchange.response, spec),
        delay_ms: exchange.delayMs,
      };
      context.emit('received', context.envelope(data, { type: EXCHANGE_TYPE })).catch((error: unknown) => {
        context.log.warn({ err: String(error) }, 'issuer simulator: host refused a received report');
      });
    };
    return {
      async start() {
        issuer = await startIssuer(config, { onExchange: report });
        context.log.info({ host: config.host, port: issuer.port }, 'issuer simulator listening');
      },
      async stop() {
        if (!issuer) return;
        context.log.info({ ...issuer.stats }, 'issuer simulator stopped');
        await issuer.close();
        issuer = undefined;
      },
    };
  },
};
