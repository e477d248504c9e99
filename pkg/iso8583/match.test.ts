import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRigError } from '../errors/index.ts';
import { correlationKey, correlator, exchangeMti, isRequestMti, isResponseMti, responseMti } from './match.ts';

describe('match: response MTI', () => {
  const pairs: [string, string][] = [
    ['0100', '0110'],
    ['0200', '0210'],
    ['0220', '0230'],
    ['0400', '0410'],
    ['0420', '0430'],
    ['0800', '0810'],
    ['1100', '1110'],
    ['1200', '1210'],
    ['1804', '1814'],
    ['2100', '2110'],
  ];
  for (const [request, response] of pairs) {
    test(`${request} is answered by ${response}`, () => assert.equal(responseMti(request), response));
  }

  test('repeats are answered like the original: 0201→0210, 0401→0410, 0421→0430', () => {
    assert.equal(responseMti('0201'), '0210');
    assert.equal(responseMti('0401'), '0410');
    assert.equal(responseMti('0421'), '0430');
  });

  test('issuer-originated requests keep their origin: 0602→0612', () => {
    assert.equal(responseMti('0602'), '0612');
  });

  test('a response has no response', () => {
    assert.throws(() => responseMti('0210'), (error: unknown) => isRigError(error) && error.code === 'ISO_MTI_NOT_REQUEST');
  });

  test('a malformed MTI is ISO_BAD_MTI', () => {
    assert.throws(() => responseMti('02x0'), (error: unknown) => isRigError(error) && error.code === 'ISO_BAD_MTI');
    assert.throws(() => isRequestMti('200'), (error: unknown) => isRigError(error) && error.code === 'ISO_BAD_MTI');
  });

  test('request and response classification', () => {
    assert.equal(isRequestMti('0200'), true);
    assert.equal(isResponseMti('0200'), false);
    assert.equal(isResponseMti('0810'), true);
    assert.equal(isRequestMti('0810'), false);
  });

  test('exchangeMti is the same for a request, its repeat and its response', () => {
    assert.equal(exchangeMti('0200'), '0210');
    assert.equal(exchangeMti('0201'), '0210');
    assert.equal(exchangeMti('0210'), '0210');
  });
});

describe('match: correlation key', () => {
  const request = { mti: '0200', fields: { 2: '4111111111111111', 11: '000123', 32: '123456', 37: '123456789012', 41: 'TERM0001' } };
  const response = { mti: '0210', fields: { 11: '000123', 32: '123456', 37: '123456789012', 39: '00', 41: 'TERM0001' } };

  test('a request and its response produce the same key by default', () => {
    assert.equal(correlationKey(request), correlationKey(response));
  });

  test('the default key uses STAN, RRN, terminal and acquirer in that order', () => {
    assert.equal(correlationKey(request), '0210|11=000123|37=123456789012|41=TERM0001|32=123456');
  });

  test('a repeat (0201) matches the response to the original', () => {
    assert.equal(correlationKey({ ...request, mti: '0201' }), correlationKey(response));
  });

  test('a reversal with the same fields does not collide with the purchase', () => {
    assert.notEqual(correlationKey({ ...request, mti: '0400' }), correlationKey(request));
  });

  test('a different STAN gives a different key', () => {
    assert.notEqual(correlationKey({ ...request, fields: { ...request.fields, 11: '000124' } }), correlationKey(request));
  });

  test('configured fields replace the default; includeMti=false drops the MTI', () => {
    const key = correlator({ fields: [41, 11], includeMti: false });
    assert.equal(key(request), '|41=TERM0001|11=000123');
  });

  test('binary field values enter the key as hex', () => {
    const key = correlator({ fields: [11] });
    assert.equal(key({ mti: '0800', fields: { 11: new Uint8Array([0x00, 0x12, 0x34]) } }), '0810|11=001234');
  });

  test('an empty or impossible field list is a config error', () => {
    assert.throws(() => correlator({ fields: [] }), (error: unknown) => isRigError(error) && error.code === 'ISO_MATCH_CONFIG');
    assert.throws(() => correlator({ fields: [1] }), (error: unknown) => isRigError(error) && error.code === 'ISO_MATCH_CONFIG');
  });
});
