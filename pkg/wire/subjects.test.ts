import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RigError } from '../errors/index.ts';
import {
  controlFilter,
  controlSubject,
  dataFilter,
  dataSubject,
  dlqSubject,
  eventsSubject,
  kindFilter,
  parseSubject,
  telemetrySubject,
} from './subjects.ts';

function subjectError(fn: () => unknown): RigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RigError);
    assert.equal(error.code, 'SUBJECT_INVALID');
    return error;
  }
  assert.fail('expected SUBJECT_INVALID');
}

describe('subject builders', () => {
  test('each family has its documented shape', () => {
    assert.equal(controlSubject('rack-1', 'heartbeat'), 'fluxrig.control.rack-1.heartbeat');
    assert.equal(dataSubject('payment-switch', 'parse_to_route'), 'fluxrig.data.payment-switch.parse_to_route');
    assert.equal(eventsSubject('scenario-deployed'), 'fluxrig.events.scenario-deployed');
    assert.equal(telemetrySubject('spans'), 'fluxrig.telemetry.spans');
    assert.equal(dlqSubject('rack-1_parse'), 'fluxrig.dlq.rack-1_parse');
  });

  test('filters are the only place wildcards appear', () => {
    assert.equal(kindFilter('data'), 'fluxrig.data.>');
    assert.equal(controlFilter(), 'fluxrig.control.*.*');
    assert.equal(controlFilter('r1'), 'fluxrig.control.r1.*');
    assert.equal(dataFilter('s1'), 'fluxrig.data.s1.*');
  });

  for (const [value, problem] of [
    ['', 'is empty'],
    ['a.b', 'contains a dot'],
    ['*', 'contains a wildcard'],
    ['all>', 'contains a wildcard'],
    ['two words', 'contains whitespace'],
    ['tab\there', 'contains whitespace'],
    ['bell\u0007', 'contains a control character'],
    ['x'.repeat(129), 'is longer than 128'],
  ] as const) {
    test(`a rack id ${JSON.stringify(value.slice(0, 12))} is refused because it ${problem}`, () => {
      const error = subjectError(() => controlSubject(value, 'heartbeat'));
      assert.match(error.message, new RegExp(`^rack .* ${problem}`));
      assert.equal(error.where, 'rack');
    });
  }

  test('the error names which token was wrong', () => {
    assert.equal(subjectError(() => dataSubject('ok', 'bad.wire')).where, 'wire');
    assert.equal(subjectError(() => eventsSubject('')).where, 'event type');
    assert.equal(subjectError(() => telemetrySubject('>')).where, 'signal');
  });
});

describe('parseSubject', () => {
  test('splits a data subject into scenario and wire', () => {
    assert.deepEqual(parseSubject('fluxrig.data.s1.w1'), { kind: 'data', tokens: ['s1', 'w1'] });
  });

  test('refuses foreign roots, unknown families, wrong token counts and wildcards', () => {
    subjectError(() => parseSubject('other.data.s1.w1'));
    subjectError(() => parseSubject('fluxrig.nope.x'));
    subjectError(() => parseSubject('fluxrig.control.r1'));
    subjectError(() => parseSubject('fluxrig.data.s1.*'));
  });
});
