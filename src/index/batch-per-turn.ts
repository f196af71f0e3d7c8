// Messages sent in one turn of the event loop, sent on as one. Between cluster workers and the
// primary (the host's index writer) each IPC message costs a serialization, a pipe write and a
// wake-up of the receiver; a busy worker sends several index writes per turn and a group commit
// settles many at once, so one message per turn instead of one per write saves most of that
// (docs/performance.md, "Small objects (session 8)").

/** A sender of single items that delivers them, in order, in one `send` per event-loop turn. */
export function batchPerTurn<Item>(send: (items: Item[]) => void): (item: Item) => void {
  let queued: Item[] = [];
  const flush = () => {
    const items = queued;
    queued = [];
    send(items);
  };
  return (item) => {
    queued.push(item);
    // setImmediate runs after this turn's I/O callbacks and their microtasks: everything sent in
    // the turn rides along, and nothing waits longer than the turn.
    if (queued.length === 1) setImmediate(flush);
  };
}
