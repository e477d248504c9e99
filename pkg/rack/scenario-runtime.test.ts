import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { catalogueOf, readScenarioFile, type Scenario } from '../scenario/index.ts';
import { stopOrder } from './scenario-runtime.ts';

const catalogue = catalogueOf(gearCatalogue);
const EXAMPLE = fileURLToPath(new URL('../../configs/scenarios/payment-switch.yaml', import.meta.url));

async function example(): Promise<Scenario> {
  const parsed = await readScenarioFile(EXAMPLE, {});
  assert.deepEqual(parsed.problems, []);
  return parsed.scenario as Scenario;
}

describe('stopOrder (gears stop in this order and start in reverse)', () => {
  it('orders the example switch upstream first, its unwired issuer simulator last', async () => {
    const order = stopOrder(await example(), catalogue);
    assert.equal(order.length, 7);
    const before = (a: string, b: string) => assert.ok(order.indexOf(a) < order.indexOf(b), `${a} before ${b} in ${order.join(', ')}`);
    before('acquirer', 'route-by-bin');
    before('route-by-bin', 'visa-link');
    before('route-by-bin', 'mastercard-link');
    before('route-by-bin', 'decline-unroutable');
    before('visa-link', 'issuer-unavailable');
    // Wired to nothing: started before the links that connect to it, stopped after them.
    assert.equal(order.at(-1), 'issuer');
  });

  it('keeps a scenario without isolated gears in data-flow order, replies ignored', async () => {
    const scenario = await example();
    const wired = { ...scenario, gears: scenario.gears.filter((gear) => gear.id !== 'issuer') };
    const order = stopOrder(wired, catalogue);
    assert.equal(order[0], 'acquirer', 'the reply wires into the acquirer close loops and do not count');
    assert.deepEqual(order.slice(1, 2), ['route-by-bin']);
  });
});
