/**
 * Protocol writes (durable publishes, acks) gathered over one event-loop turn and handed to the NATS
 * client together. The client flushes its outbound buffer one microtask after the first write into it,
 * so writes made from a chain of awaits leave in many small socket writes; on loopback each write
 * also pays the receiver's TCP work. Handing them over from one setImmediate turns a turn's worth of
 * publishes and acks into one socket write (bench/pipeline measured ~3.7 writes per message before).
 *
 * Deferring a write by one turn changes no guarantee: a publish still resolves only on its stream ack,
 * and an ack is still sent only after its handler finished; the caller has decided before it gets here.
 */
export class Outbox {
  private tasks: (() => void)[] = [];
  private scheduled = false;

  /** Runs `write` on the next turn of the event loop, together with every other write queued in this one. */
  add(write: () => void): void {
    this.tasks.push(write);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands every queued write to the client now (before a flush or drain that must include them). */
  flush(): void {
    this.scheduled = false;
    const tasks = this.tasks;
    if (tasks.length === 0) return;
    this.tasks = [];
    for (const task of tasks) task();
  }
}
