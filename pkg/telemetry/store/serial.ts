/**
 * A one-lane queue: operations on the store's single write connection run one after another, in the
 * order they were asked for. A failed operation rejects its own promise and does not stall the lane.
 */
export class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(operation);
    // The lane continues whatever happened; the caller sees the failure through `result`.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
