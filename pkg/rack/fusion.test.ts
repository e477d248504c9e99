import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { catalogueOf, type Scenario, scenarioSchema } from '../scenario/index.ts';
import { fusedWires, subjectMatches } from './fusion.ts';

const catalogue = catalogueOf(gearCatalogue);

function scenario(extra: Partial<Record<'wires' | 'flows', unknown[]>> = {}): Scenario {
  return scenarioSchema.parse({
    id: 's1',
    gears: [
      { id: 'listener', type: 'http-in', config: { port: 0 } },
      { id: 'enrich', type: 'transform', config: { expression: '$' } },
      { id: 'screen', type: 'filter', config: { condition: 'true' } },
      { id: 'out', type: 'http-out', config: { url: 'http://127.0.0.1:1/' } },
    ],
    wires: extra.wires ?? [
      { id: 'requests', from: 'listener.out', to: 'enrich.in' },
      { id: 'enriched', from: 'enrich.out', to: 'screen.in' },
      { id: 'passed', from: 'screen.out', to: 'out.in' },
    ],
    flows: extra.flows ?? [],
  });
}

const ALL = ['listener', 'enrich', 'screen', 'out'];

describe('fusedWires', () => {
  it('fuses wires into pure gears whose producer runs on the same rack, and no others', () => {
    const fused = fusedWires(scenario(), ALL, catalogue);
    assert.deepEqual([...fused], [
      ['requests', { gear: 'enrich', port: 'in' }],
      ['enriched', { gear: 'screen', port: 'in' }],
    ]);
  });

  it('keeps the hop when producer or pure gear runs on another rack', () => {
    assert.deepEqual([...fusedWires(scenario(), ['listener', 'screen', 'out'], catalogue).keys()], []);
    assert.deepEqual([...fusedWires(scenario(), ['enrich', 'screen', 'out'], catalogue).keys()], ['enriched']);
  });

  it('keeps the hop of a wire marked fuse: false', () => {
    const wires = [
      { id: 'requests', from: 'listener.out', to: 'enrich.in', fuse: false },
      { id: 'enriched', from: 'enrich.out', to: 'screen.in' },
    ];
    assert.deepEqual([...fusedWires(scenario({ wires }), ALL, catalogue).keys()], ['enriched']);
  });

  it('fuses a wire into a gear doing I/O only when it says fuse: always', () => {
    const wires = [
      { id: 'requests', from: 'listener.out', to: 'enrich.in' },
      { id: 'enriched', from: 'enrich.out', to: 'screen.in' },
      { id: 'passed', from: 'screen.out', to: 'out.in', fuse: 'always' },
    ];
    assert.deepEqual([...fusedWires(scenario({ wires }), ALL, catalogue)].at(-1), ['passed', { gear: 'out', port: 'in' }]);
    // Still only on one rack, and never under a durable flow's feet.
    assert.deepEqual([...fusedWires(scenario({ wires }), ['listener', 'enrich', 'screen'], catalogue).keys()], ['requests', 'enriched']);
    const flows = [{ id: 'audit', durable: true, trigger: { wire: 'passed' }, steps: [{ kind: 'gear', id: 'one', gear: 'enrich' }] }];
    assert.deepEqual([...fusedWires(scenario({ wires, flows }), ALL, catalogue).keys()], ['requests', 'enriched']);
  });

  it('keeps the hop of a wire a durable flow reads, by wire or by a subject pattern', () => {
    const flow = (trigger: Record<string, unknown>) => ({ id: 'audit', durable: true, trigger, steps: [{ kind: 'gear', id: 'one', gear: 'enrich' }] });
    assert.deepEqual([...fusedWires(scenario({ flows: [flow({ wire: 'requests' })] }), ALL, catalogue).keys()], ['enriched']);
    assert.deepEqual([...fusedWires(scenario({ flows: [flow({ subject: 'fluxrig.data.s1.*' })] }), ALL, catalogue).keys()], []);
    assert.deepEqual([...fusedWires(scenario({ flows: [flow({ subject: 'fluxrig.data.other.>' })] }), ALL, catalogue).keys()], ['requests', 'enriched']);
  });
});

describe('subjectMatches', () => {
  it('matches NATS wildcards', () => {
    assert.equal(subjectMatches('fluxrig.data.s1.w1', 'fluxrig.data.s1.w1'), true);
    assert.equal(subjectMatches('fluxrig.data.*.w1', 'fluxrig.data.s1.w1'), true);
    assert.equal(subjectMatches('fluxrig.data.>', 'fluxrig.data.s1.w1'), true);
    assert.equal(subjectMatches('fluxrig.data.s1.>', 'fluxrig.data.s1'), false);
    assert.equal(subjectMatches('fluxrig.data.s1', 'fluxrig.data.s1.w1'), false);
    assert.equal(subjectMatches('fluxrig.data.s2.*', 'fluxrig.data.s1.w1'), false);
  });
});
