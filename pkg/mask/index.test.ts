import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretKey, luhnValid, maskObject, maskPan, maskText } from './index.ts';

const VISA = '4111111111111111';
const MASKED_VISA = '411111******1111';

describe('luhnValid', () => {
  it('accepts well-known test PANs and rejects a changed digit', () => {
    assert.equal(luhnValid(VISA), true);
    assert.equal(luhnValid('5555555555554444'), true);
    assert.equal(luhnValid('378282246310005'), true);
    assert.equal(luhnValid('4111111111111112'), false);
  });
});

describe('maskPan', () => {
  it('keeps the first 6 and last 4 digits', () => {
    assert.equal(maskPan(VISA), MASKED_VISA);
    assert.equal(maskPan('6011000990139424123'), '601100*********4123');
  });
  it('drops group separators', () => {
    assert.equal(maskPan('4111 1111 1111 1111'), MASKED_VISA);
  });
  it('masks everything when too short to keep 10 digits', () => {
    assert.equal(maskPan('1234567'), '*******');
  });
});

describe('maskText: cardholder data', () => {
  it('masks a contiguous Luhn-valid PAN inside text', () => {
    assert.equal(maskText(`card ${VISA} declined`), `card ${MASKED_VISA} declined`);
  });
  it('masks grouped PANs (spaces and dashes)', () => {
    assert.equal(maskText('pan 4111 1111 1111 1111.'), `pan ${MASKED_VISA}.`);
    assert.equal(maskText('pan 3782-822463-10005'), 'pan 378282*****0005');
  });
  it('leaves Luhn-invalid digit runs and longer runs alone', () => {
    assert.equal(maskText('ref 4111111111111112'), 'ref 4111111111111112');
    assert.equal(maskText('x 41111111111111110000'), 'x 41111111111111110000');
  });
  it('masks track 2 data, including the D separator of DE 35', () => {
    assert.equal(maskText(`t2=;${VISA}=25121011234567890?`), `t2=${MASKED_VISA}=***`);
    assert.equal(maskText(`35:${VISA}D2512101123`), `35:${MASKED_VISA}=***`);
  });
  it('masks track 1 data including the cardholder name', () => {
    assert.equal(maskText(`%B${VISA}^DOE/JOHN^2512101000000000?`), `B${MASKED_VISA}^***`);
  });
  it('spares fluxrig ids under id keys in JSON lines but not under other keys', () => {
    assert.equal(maskText(`{"id":"${VISA}"}`), `{"id":"${VISA}"}`);
    assert.equal(maskText(`{"pan":"${VISA}"}`), `{"pan":"${MASKED_VISA}"}`);
  });
});

describe('maskText: secrets', () => {
  it('masks key=value and key: value pairs with secret-ish keys', () => {
    assert.equal(maskText('login password=hunter2 ok'), 'login password=*** ok');
    assert.equal(maskText('api_key: abc123, user=bob'), 'api_key: ***, user=bob');
  });
  it('masks secret values inside JSON text, strings and numbers', () => {
    assert.equal(maskText('{"token":"abc","pin":1234,"user":"bob"}'), '{"token":"***","pin":"***","user":"bob"}');
  });
  it('masks bearer tokens and URL user-info passwords', () => {
    assert.equal(maskText('Authorization: Bearer eyJhbGci.x.y'), 'Authorization: ***');
    assert.equal(maskText('header Bearer eyJhbGci.x.y'), 'header Bearer ***');
    assert.equal(maskText('nats://app:s3cret@nats:4222'), 'nats://app:***@nats:4222');
  });
  it('does not mask words that merely contain a secret word', () => {
    assert.equal(maskText('monkey: banana'), 'monkey: banana');
    assert.equal(maskText('spinning=yes'), 'spinning=yes');
  });
});

describe('isSecretKey', () => {
  it('recognises secret words in snake, kebab and camel case', () => {
    for (const key of ['password', 'api_key', 'apiKey', 'x-api-key', 'pinBlock', 'cvv2', 'Authorization', 'nats.token']) {
      assert.equal(isSecretKey(key), true, key);
    }
    for (const key of ['pinned', 'keyboard_layout', 'monkey', 'url', 'spin']) assert.equal(isSecretKey(key), false, key);
  });
});

describe('maskObject', () => {
  it('masks nested secrets, PAN strings and PAN numbers without mutating the input', () => {
    const input = { user: 'bob', auth: { password: 'pw', token: 'tk' }, cards: [VISA, 4111111111111111], note: 'ok' };
    const masked = maskObject(input);
    assert.deepEqual(masked, { user: 'bob', auth: { password: '***', token: '***' }, cards: [MASKED_VISA, MASKED_VISA], note: 'ok' });
    assert.equal(input.auth.password, 'pw');
  });
  it('masks a whole object held under a secret key', () => {
    assert.deepEqual(maskObject({ secret: { a: 1 } }), { secret: '***' });
  });
  it('returns the same reference when nothing needs masking', () => {
    const clean = { a: 1, b: ['x', { c: 'short' }] };
    assert.equal(maskObject(clean), clean);
  });
  it('leaves ids and clock readings alone', () => {
    const value = { id: VISA, time: 1795000000004, started_at: 1795000000004 };
    assert.equal(luhnValid('1795000000004'), true);
    assert.equal(maskObject(value), value);
  });
});
