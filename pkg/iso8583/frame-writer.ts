/**
 * Outgoing frames of one connection gathered over an event-loop turn and written to the socket
 * together. A switch answers many requests of the same connection in one turn (a pull batch of
 * replies, an issuer simulator answering a burst); one `socket.write()` per frame made socket writes
 * the largest self-time of the rig process (bench/switch/README.md). Like pkg/bus/outbox.ts for NATS,
 * frames queued during a turn leave on the next setImmediate, as one buffer.
 *
 * What a caller is promised does not change with the batching:
 * - order: frames leave in the order `send` was called, also across turns;
 * - outcome: `send` resolves true once the frame's bytes were handed to the kernel, false when they
 *   never will be (the connection was closed or ended before the flush, or the write failed), so a
 *   reply to a connection that went away can be reported instead of vanishing;
 * - back-pressure: "handed to the kernel" waits for a peer that does not read, so a caller awaiting
 *   `send` goes at the peer's pace, as one waiting for 'drain' after `write()` returned false did.
 *
 * A caller that does not need the outcome (an answer nobody acks, a sign-on) uses `queue`: a batch
 * makes its promise only when a `send` asks for it, so a turn of such frames costs no promise.
 *
 * This module only moves bytes; framing (length prefix, header) is framing.ts's `encodeFrame`.
 */
import type { Writable } from 'node:stream';

/** Frames that leave in one socket write, and the answer the `send`s among them wait for (if any did). */
interface Batch {
  frames: Buffer[];
  bytes: number;
  written: Promise<boolean> | undefined;
  settle: ((written: boolean) => void) | undefined;
}

export class FrameWriter {
  private batch: Batch | undefined;
  private scheduled = false;

  /** `socket`: the connection's stream (a net.Socket); the writer must be the only one writing to it. */
  constructor(private readonly socket: Writable) {}

  /**
   * Queue `frame` (not to be modified afterwards) behind everything queued before it. Resolves true
   * once it is written to the socket, false if it never will be. Never rejects.
   */
  send(frame: Buffer): Promise<boolean> {
    const batch = this.enqueue(frame);
    if (batch.written === undefined) {
      batch.written = new Promise<boolean>((resolve) => {
        batch.settle = resolve;
      });
    }
    return batch.written;
  }

  /** Queue `frame` like `send`, for a caller that does not need to know whether it was written. */
  queue(frame: Buffer): void {
    this.enqueue(frame);
  }

  private enqueue(frame: Buffer): Batch {
    let batch = this.batch;
    if (batch === undefined) {
      batch = { frames: [], bytes: 0, written: undefined, settle: undefined };
      this.batch = batch;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flushScheduled);
      }
    }
    batch.frames.push(frame);
    batch.bytes += frame.length;
    return batch;
  }

  /** Whether frames are gathered for this turn's write (a frame queued now joins them). */
  get gathering(): boolean {
    return this.batch !== undefined;
  }

  /** Write what is queued now (before ending the connection, which must not cut off queued frames). */
  flush(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    if (!this.socket.writable) {
      // Closed, ended or failed: writing would only raise an error; the callers learn it from `false`.
      batch.settle?.(false);
      return;
    }
    const data = batch.frames.length === 1 ? (batch.frames[0] as Buffer) : Buffer.concat(batch.frames, batch.bytes);
    // The callback comes once the bytes reached the kernel, or with an error when the connection is
    // destroyed while they still wait in the stream's buffer.
    const settle = batch.settle;
    if (settle === undefined) this.socket.write(data);
    else this.socket.write(data, (error) => settle(error == null));
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };
}
