/**
 * Durable flows on a real Temporal dev server: per-step retries, saga compensation in reverse order
 * (observed at an HTTP receiving end), error-port routing, signals, timers, request-reply, status
 * queries and cancellation. One in-process worker serves every test of this file on its own rack.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRigError } from '../../pkg/errors/index.ts';
import type { RigError } from '../../pkg/errors/index.ts';
import { eventTypesOf, exportFlowHistory } from '../../pkg/orchestration/history.ts';
import { cancelFlow, flowResult, flowStatus, signalFlow, startFlow } from '../../pkg/orchestration/flows.ts';
import type { FlowFailure, FlowPlan, FlowStatus } from '../../pkg/orchestration/plan.ts';
import { startSink } from './sink.ts';
import type { Sink } from './sink.ts';
import { dataOf, startHarness, testEnvelope, trailOf, unique } from './support.ts';
import type { OrchestrationHarness } from './support.ts';

const fast = { initialInterval: '50ms', backoff: 1, maxAttempts: 5 };

describe('durable flow', () => {
  let h: OrchestrationHarness;
  let sink: Sink;
  before(async () => {
    h = await startHarness();
    sink = await startSink();
  });
  after(async () => {
    await h.close();
    await sink.close();
  });

  const start = async (plan: Omit<FlowPlan, 'flow' | 'scenario'>, data: unknown = {}) => {
    const full: FlowPlan = { flow: unique('flow'), scenario: 'test', ...plan };
    return startFlow({ client: h.flows.client, rack: h.rack, plan: full, envelope: testEnvelope(data) });
  };
  const failureOf = async (workflowId: string): Promise<FlowFailure> => {
    const err = await flowResult(h.flows.client, workflowId).then(
      () => assert.fail('the flow was expected to fail'),
      (e: unknown) => e,
    );
    assert.ok(isRigError(err), `expected a RigError, got ${String(err)}`);
    assert.equal((err as RigError).code, 'FLOW_FAILED');
    return (err as RigError).details as unknown as FlowFailure;
  };
  const statusWhen = async (workflowId: string, predicate: (s: FlowStatus) => boolean): Promise<FlowStatus> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await flowStatus(h.flows.client, workflowId);
      if (predicate(status)) return status;
      if (Date.now() > deadline) assert.fail(`status never matched; last: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const labelsFor = (prefix: string) => sink.applied.filter((r) => r.label.startsWith(prefix)).map((r) => r.label.slice(prefix.length));

  it('retries a failing step with its retry policy and continues once it succeeds', async () => {
    const { workflowId } = await start({
      steps: [
        { kind: 'gear', id: 'flaky', gear: 'test-flaky', config: { failures: 2 }, retry: fast },
        { kind: 'gear', id: 'mark', gear: 'test-append', config: { mark: 'done' } },
      ],
    });
    const result = await flowResult(h.flows.client, workflowId);
    const data = dataOf<{ succeededOnAttempt: number; trail: string[] }>(result);
    assert.equal(data.succeededOnAttempt, 3);
    assert.deepEqual(data.trail, ['done']);
    assert.deepEqual(
      result.history.map((r) => [r.step, r.state]),
      [
        ['flaky', 'completed'],
        ['mark', 'completed'],
      ],
    );
  });

  it('stops retrying at once on an error code the step lists as non-retryable', async () => {
    const { workflowId } = await start({
      steps: [
        {
          kind: 'gear',
          id: 'fatal',
          gear: 'test-flaky',
          config: { failures: 3, code: 'TEST_FATAL' },
          retry: { ...fast, nonRetryable: ['TEST_FATAL'] },
        },
      ],
    });
    const failure = await failureOf(workflowId);
    assert.equal(failure.step, 'fatal');
    assert.equal(failure.code, 'TEST_FATAL');
    assert.match(failure.message, /attempt 1 fails/);
  });

  it('fails the flow with the last error once maxAttempts are used up', async () => {
    const { workflowId } = await start({
      steps: [{ kind: 'gear', id: 'flaky', gear: 'test-flaky', config: { failures: 9 }, retry: { ...fast, maxAttempts: 2 } }],
    });
    const failure = await failureOf(workflowId);
    assert.equal(failure.code, 'TEST_FLAKY');
    assert.match(failure.message, /attempt 2 fails/);
  });

  it('runs the compensations of completed steps in reverse order, then onError, and fails with the error envelope', async () => {
    const p = `${unique('saga')}:`;
    const post = (label: string) => ({ gear: 'test-http-post', config: { url: sink.url, label: p + label } });
    const { workflowId } = await start(
      {
        steps: [
          { kind: 'gear', id: 'a', ...post('A'), compensate: 'undo-a' },
          { kind: 'gear', id: 'b', ...post('B'), compensate: 'undo-b' },
          { kind: 'gear', id: 'c', ...post('C') },
          { kind: 'gear', id: 'charge', gear: 'test-fail', config: { code: 'TEST_DECLINED' }, retry: { maxAttempts: 1 } },
        ],
        compensations: [
          { id: 'undo-a', ...post('undo-A') },
          { id: 'undo-b', ...post('undo-B') },
        ],
        onError: [{ id: 'answer', ...post('answer') }],
      },
      { amount: 12 },
    );
    const failure = await failureOf(workflowId);
    assert.deepEqual(labelsFor(p), ['A', 'B', 'C', 'undo-B', 'undo-A', 'answer']);
    assert.equal(failure.step, 'charge');
    assert.equal(failure.code, 'TEST_DECLINED');
    assert.equal(failure.error.port, 'error');
    assert.equal(failure.error.headers?.['error-code'], 'TEST_DECLINED');
    assert.deepEqual(failure.error.data, { step: 'charge', code: 'TEST_DECLINED', message: 'this step always fails', input: { amount: 12 } });
    assert.deepEqual(
      failure.history.map((r) => [r.step, r.kind, r.state]),
      [
        ['a', 'gear', 'completed'],
        ['b', 'gear', 'completed'],
        ['c', 'gear', 'completed'],
        ['charge', 'gear', 'failed'],
        ['undo-b@b', 'compensation', 'compensated'],
        ['undo-a@a', 'compensation', 'compensated'],
        ['answer', 'on-error', 'completed'],
      ],
    );
  });

  it('retries a step whose gear answered on its error port, like one that threw', async () => {
    const { workflowId } = await start({
      steps: [{ kind: 'gear', id: 'flaky', gear: 'test-flaky', config: { failures: 2, via: 'error-port' }, retry: fast }],
    });
    const result = await flowResult(h.flows.client, workflowId);
    assert.equal(dataOf<{ succeededOnAttempt: number }>(result).succeededOnAttempt, 3);
  });

  it('fails with the error code a gear gave on its error port, and compensates', async () => {
    const p = `${unique('decline')}:`;
    const { workflowId } = await start({
      steps: [
        { kind: 'gear', id: 'a', gear: 'test-http-post', config: { url: sink.url, label: `${p}A` }, compensate: 'undo' },
        { kind: 'gear', id: 'decide', gear: 'test-decline', config: { code: 'ISSUER_DECLINED' }, retry: { ...fast, nonRetryable: ['ISSUER_DECLINED'] } },
      ],
      compensations: [{ id: 'undo', gear: 'test-http-post', config: { url: sink.url, label: `${p}undo` } }],
    });
    const failure = await failureOf(workflowId);
    assert.equal(failure.code, 'ISSUER_DECLINED');
    assert.match(failure.message, /emitted on its error port/);
    assert.deepEqual(labelsFor(p), ['A', 'undo']);
  });

  it('waits for an approve signal, reports itself waiting, then resumes with the payload', async () => {
    const { workflowId } = await start(
      {
        steps: [
          { kind: 'gear', id: 'before', gear: 'test-append', config: { mark: 'before' } },
          { kind: 'wait', id: 'approval', accept: ['approve'], reject: ['reject'], into: 'approval' },
          { kind: 'gear', id: 'after', gear: 'test-append', config: { mark: 'after' } },
        ],
      },
      { trail: [] },
    );
    const waiting = await statusWhen(workflowId, (s) => s.state === 'waiting');
    assert.equal(waiting.current, 'approval');
    assert.deepEqual(
      waiting.history.map((r) => [r.step, r.state]),
      [
        ['before', 'completed'],
        ['approval', 'running'],
      ],
    );
    await signalFlow(h.flows.client, workflowId, { name: 'approve', payload: { by: 'alice' } });
    const result = await flowResult(h.flows.client, workflowId);
    const data = dataOf<{ trail: string[]; approval: unknown }>(result);
    assert.deepEqual(data.trail, ['before', 'after']);
    assert.deepEqual(data.approval, { by: 'alice' });
    assert.equal(result.history.find((r) => r.step === 'approval')?.port, 'approve');
  });

  it('accepts a signal sent under its own Temporal signal name', async () => {
    const { workflowId, handle } = await start({
      steps: [{ kind: 'wait', id: 'approval', accept: ['approve'] }],
    });
    await handle.signal('approve', { by: 'temporal-cli' });
    const result = await flowResult(h.flows.client, workflowId);
    assert.equal(result.history[0]?.port, 'approve');
  });

  it('fails with FLOW_REJECTED and compensates when a reject signal arrives', async () => {
    const p = `${unique('reject')}:`;
    const { workflowId } = await start({
      steps: [
        { kind: 'gear', id: 'hold', gear: 'test-http-post', config: { url: sink.url, label: `${p}hold` }, compensate: 'release' },
        { kind: 'wait', id: 'approval', accept: ['approve'], reject: ['reject'] },
      ],
      compensations: [{ id: 'release', gear: 'test-http-post', config: { url: sink.url, label: `${p}release` } }],
    });
    await statusWhen(workflowId, (s) => s.state === 'waiting');
    await signalFlow(h.flows.client, workflowId, { name: 'reject', payload: { by: 'bob' } });
    const failure = await failureOf(workflowId);
    assert.equal(failure.code, 'FLOW_REJECTED');
    assert.deepEqual(labelsFor(p), ['hold', 'release']);
  });

  it('fails with FLOW_WAIT_TIMEOUT when no signal arrives in time', async () => {
    const { workflowId } = await start({
      steps: [{ kind: 'wait', id: 'approval', accept: ['approve'], timeout: '1s' }],
    });
    const failure = await failureOf(workflowId);
    assert.equal(failure.code, 'FLOW_WAIT_TIMEOUT');
    assert.equal(failure.step, 'approval');
  });

  it('sleeps on a durable timer between steps', async () => {
    const began = Date.now();
    const { workflowId } = await start({
      steps: [
        { kind: 'gear', id: 'a', gear: 'test-append', config: { mark: 'a' } },
        { kind: 'sleep', id: 'pause', duration: '2s' },
        { kind: 'gear', id: 'b', gear: 'test-append', config: { mark: 'b' } },
      ],
    });
    const result = await flowResult(h.flows.client, workflowId);
    assert.ok(Date.now() - began >= 2_000, 'the flow took at least the timer');
    const pause = result.history.find((r) => r.step === 'pause');
    assert.ok(pause?.endedAt !== undefined);
    assert.ok(Date.parse(pause.endedAt) - Date.parse(pause.startedAt) >= 2_000, 'workflow time advanced by the timer');
    assert.deepEqual(trailOf(result), ['a', 'b']);
  });

  it('sends a request and continues with the reply delivered as a signal', async () => {
    const p = `${unique('rr')}:`;
    const { workflowId } = await start({
      steps: [
        { kind: 'request', id: 'ask', gear: 'test-http-post', config: { url: sink.url, label: `${p}request` }, replyTimeout: '20s' },
        { kind: 'gear', id: 'mark', gear: 'test-append', config: { mark: 'replied' } },
      ],
    });
    await sink.until(() => labelsFor(p).includes('request'));
    await signalFlow(h.flows.client, workflowId, { name: 'reply', payload: testEnvelope({ rc: '00', trail: [] }) });
    const result = await flowResult(h.flows.client, workflowId);
    assert.deepEqual(dataOf(result), { rc: '00', trail: ['replied'] });
  });

  it('fails with FLOW_REPLY_TIMEOUT and runs onError when no reply comes in time', async () => {
    const p = `${unique('rrt')}:`;
    const { workflowId } = await start({
      steps: [{ kind: 'request', id: 'ask', gear: 'test-http-post', config: { url: sink.url, label: `${p}request` }, replyTimeout: '1s' }],
      onError: [{ id: 'answer-timeout', gear: 'test-http-post', config: { url: sink.url, label: `${p}answer-timeout` } }],
    });
    const failure = await failureOf(workflowId);
    assert.equal(failure.code, 'FLOW_REPLY_TIMEOUT');
    assert.deepEqual(labelsFor(p), ['request', 'answer-timeout']);
  });

  it('runs pure `before` gears inside the step attempt, feeding the step gear', async () => {
    const { workflowId } = await start(
      {
        steps: [
          {
            kind: 'gear',
            id: 'a',
            gear: 'test-flaky',
            config: { failures: 1 },
            before: [{ gear: 'test-append', config: { mark: 'staged' } }],
            retry: fast,
          },
        ],
      },
      { trail: [] },
    );
    const result = await flowResult(h.flows.client, workflowId);
    assert.deepEqual(dataOf(result), { trail: ['staged'], succeededOnAttempt: 2 }, 'the staged gear ran again in attempt 2 on the original input');
  });

  it('carries byte arrays inside envelopes through steps unchanged (not as JSON objects)', async () => {
    const raw = Uint8Array.from([0x02, 0x00, 0x30, 0xff, 0x10]);
    const { workflowId } = await start(
      {
        steps: [
          { kind: 'gear', id: 'once', gear: 'test-bytes', retry: { maxAttempts: 1 } },
          { kind: 'gear', id: 'twice', gear: 'test-bytes', retry: { maxAttempts: 1 }, local: true },
        ],
      },
      { raw },
    );
    const result = await flowResult(h.flows.client, workflowId);
    const data = dataOf<{ raw: Uint8Array; length: number }>(result);
    assert.ok(data.raw instanceof Uint8Array);
    assert.deepEqual([...data.raw], [...raw], 'reversed twice = the original bytes');
  });

  it('runs pure gears as local activities', async () => {
    const { workflowId } = await start({
      steps: [{ kind: 'gear', id: 'a', gear: 'test-append', config: { mark: 'local' }, local: true }],
    });
    const result = await flowResult(h.flows.client, workflowId);
    assert.deepEqual(trailOf(result), ['local']);
    const types = eventTypesOf(await exportFlowHistory(h.flows.client, workflowId));
    assert.ok(!types.includes('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED'), 'no regular activity was scheduled');
    assert.ok(types.includes('EVENT_TYPE_MARKER_RECORDED'), 'a local-activity marker (its result) was recorded');
  });

  it('compensates completed steps when cancelled while waiting', async () => {
    const p = `${unique('cancel')}:`;
    const { workflowId } = await start({
      steps: [
        { kind: 'gear', id: 'hold', gear: 'test-http-post', config: { url: sink.url, label: `${p}hold` }, compensate: 'release' },
        { kind: 'wait', id: 'approval', accept: ['approve'] },
      ],
      compensations: [{ id: 'release', gear: 'test-http-post', config: { url: sink.url, label: `${p}release` } }],
    });
    await statusWhen(workflowId, (s) => s.state === 'waiting');
    await cancelFlow(h.flows.client, workflowId);
    const err = await flowResult(h.flows.client, workflowId).catch((e: unknown) => e);
    assert.ok(isRigError(err));
    assert.equal(err.code, 'FLOW_CANCELLED');
    assert.deepEqual(labelsFor(p), ['hold', 'release']);
  });

  it('answers an unknown flow id with FLOW_NOT_FOUND naming it, for status, signal, cancel and result', async () => {
    const id = unique('no-such-flow');
    const calls: [string, () => Promise<unknown>][] = [
      ['status', () => flowStatus(h.flows.client, id)],
      ['signal', () => signalFlow(h.flows.client, id, { name: 'approve' })],
      ['cancel', () => cancelFlow(h.flows.client, id)],
      ['result', () => flowResult(h.flows.client, id)],
    ];
    for (const [name, call] of calls) {
      const err = await call().then(() => assert.fail(`${name} of an unknown flow resolved`), (e: unknown) => e);
      assert.ok(isRigError(err), `${name}: expected a RigError, got ${String(err)}`);
      assert.deepEqual([err.code, err.where, err.exitCode], ['FLOW_NOT_FOUND', id, 2], name);
    }
  });
});
