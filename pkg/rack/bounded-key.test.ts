import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateEnvelope } from '../wire/codec.ts';
import { boundedKey, MAX_PLAIN_KEY } from './gear-host.ts';

describe('boundedKey (dedup keys of fused steps)', () => {
  it('keeps a key up to the envelope id limit as it is and digests a longer one, the same every time', () => {
    const plain = `${'7'.repeat(19)}/requests/route-by-bin/mastercard/0/to-mastercard/mastercard-link/out/0/mastercard-answers`;
    assert.ok(plain.length > 96 && plain.length <= MAX_PLAIN_KEY);
    assert.equal(boundedKey(plain), plain);
    const long = `${plain}/more/and/more/steps/${'x'.repeat(40)}`;
    assert.ok(long.length > MAX_PLAIN_KEY);
    assert.match(boundedKey(long), /^fused-[A-Za-z0-9_-]{43}$/);
    assert.equal(boundedKey(long), boundedKey(`${plain}/more/and/more/steps/${'x'.repeat(40)}`));
    assert.notEqual(boundedKey(long), boundedKey(`${long}y`));
    // Either way it is a valid envelope id, which a fallback publish uses it as.
    for (const key of [plain, long, 'a'.repeat(MAX_PLAIN_KEY)]) {
      assert.doesNotThrow(() => validateEnvelope({ id: boundedKey(key), type: 't', source: 's', time: new Date().toISOString(), data: null }), key);
    }
  });
});
