import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestMatch, didYouMean, editDistance } from './suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
  it('counts a swap of adjacent letters as one edit', () => {
    assert.equal(editDistance('biuld', 'build'), 1);
    assert.equal(editDistance('ab', 'ba'), 1);
  });
});

describe('closestMatch', () => {
  it('suggests a plausible typo', () => {
    assert.equal(closestMatch('typ', ['id', 'type', 'config']), 'type');
    assert.equal(closestMatch('URL', ['url', 'port']), 'url');
  });
  it('stays silent when nothing is close', () => {
    assert.equal(closestMatch('colour', ['id', 'type', 'config']), undefined);
    assert.equal(didYouMean('zzz', []), undefined);
  });
  it('words the hint', () => {
    assert.equal(didYouMean('heartbeet', ['heartbeat_interval', 'heartbeat']), 'did you mean "heartbeat"?');
  });
});
