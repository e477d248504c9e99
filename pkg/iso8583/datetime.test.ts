import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoDateTimeFields } from './datetime.ts';

describe('isoDateTimeFields', () => {
  it('writes DE 7, 12 and 13 in UTC with two digits per part', () => {
    assert.deepEqual(isoDateTimeFields(new Date(Date.UTC(2026, 0, 5, 3, 4, 9))), { transmission: '0105030409', localTime: '030409', localDate: '0105' });
    assert.deepEqual(isoDateTimeFields(new Date(Date.UTC(2026, 11, 31, 23, 59, 58))), { transmission: '1231235958', localTime: '235958', localDate: '1231' });
  });
});
