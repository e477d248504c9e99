/**
 * iso8583-issuer-sim: the built-in issuer simulator as a gear, so a scenario (such as the example
 * payment switch) can include a card issuer that answers on a TCP port by rule. It has no message
 * ports: the issuer-facing iso8583-client gear talks to it over real TCP, like to a real issuer.
 */
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { issuerConfigSchema, startIssuer, type IssuerConfig, type IssuerSimulator } from '../../pkg/sim/issuer.ts';

export const descriptor: GearDescriptor<IssuerConfig> = {
  type: 'iso8583-issuer-sim',
  summary: 'Simulated card issuer on a TCP port: approves or declines by JSONata rule',
  config: issuerConfigSchema,
  inputs: [],
  outputs: [{ name: ERROR_PORT, summary: 'unused: the simulator answers over TCP only' }],
  pure: false,
  create(config, context) {
    let issuer: IssuerSimulator | undefined;
    return {
      async start() {
        issuer = await startIssuer(config);
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
