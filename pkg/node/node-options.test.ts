import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { missingNodeOptions, RIG_NODE_OPTIONS } from './node-options.ts';

describe('missingNodeOptions', () => {
  test('all of them without flags', () => {
    assert.deepEqual(missingNodeOptions([], {}), [...RIG_NODE_OPTIONS]);
  });
  test('none when NODE_OPTIONS carries them among others', () => {
    assert.deepEqual(missingNodeOptions([], { NODE_OPTIONS: `--enable-source-maps ${RIG_NODE_OPTIONS.join(' ')}` }), []);
  });
  test('none when they are on the command line, in either spelling, with another value', () => {
    assert.deepEqual(missingNodeOptions(['--max_semi_space_size=32'], {}), []);
  });
  test('a flag that merely starts the same is not it', () => {
    assert.deepEqual(missingNodeOptions(['--max-semi-space-size-x=1'], { NODE_OPTIONS: '' }), [...RIG_NODE_OPTIONS]);
  });
});
