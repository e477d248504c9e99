import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { dataPath, logFilePath, machineIdSeed, mixerUrl, nodeId, rackId } from './derived.ts';
import { loadConfig } from './load.ts';

const configOf = (text: string) => loadConfig({ text, env: {} }).config;

describe('derived values', () => {
  it('node id falls back to the host name, rack id to the node id', () => {
    const config = configOf('');
    assert.equal(nodeId(config), hostname());
    assert.equal(rackId(configOf('[node]\nid = "n1"\n')), 'n1');
    assert.equal(rackId(configOf('[node]\nid = "n1"\n[rack]\nid = "r1"\n')), 'r1');
  });
  it('mixer url comes from its listen address unless set', () => {
    assert.equal(mixerUrl(configOf('[mixer]\nhost = "0.0.0.0"\nport = 9000\n')), 'http://127.0.0.1:9000');
    assert.equal(mixerUrl(configOf('[mixer]\nurl = "https://mixer.example/"\n')), 'https://mixer.example');
  });
  it('relative paths live under the data directory', () => {
    const config = configOf('[node]\ndata_dir = "/srv/rig"\n');
    assert.equal(dataPath(config, 'nats'), '/srv/rig/nats');
    assert.equal(logFilePath(config), '/srv/rig/logs/rig.log');
    assert.equal(logFilePath(configOf('[log]\nfile = ""\n')), undefined);
  });
  it('the machine id seed differs by role, rack id and data directory', () => {
    const base = machineIdSeed(configOf('[node]\nid = "n1"\n'), '/srv');
    assert.notEqual(machineIdSeed(configOf('[node]\nid = "n1"\nrole = "rack"\n'), '/srv'), base);
    assert.notEqual(machineIdSeed(configOf('[node]\nid = "n1"\n[rack]\nid = "r2"\n'), '/srv'), base);
    assert.notEqual(machineIdSeed(configOf('[node]\nid = "n1"\n'), '/other'), base);
    assert.equal(machineIdSeed(configOf('[node]\nid = "n1"\n'), '/srv'), base);
  });
});
