// A one-way byte stream from a shared process's main thread to one of its sandbox threads, in
// shared memory: the sandbox thread is blocked in Python or in a synchronous read most of the time,
// so it cannot take messages from its event loop. Layout: Int32 [0] bytes written, [1] bytes read
// (both counted modulo 2^32), [2] 1 once the writer closed; then a ring of CAPACITY bytes. The
// reader is on the sandbox's thread, where Python runs, so it uses only captured built-ins.

import { intrinsics } from "./sandbox-intrinsics.mjs";

const HEADER_BYTES = 16;
/** The ring's size, a power of two so that positions stay right when the counters wrap. */
const CAPACITY = 1 << 20;
const WRITTEN = 0;
const READ = 1;
const CLOSED = 2;

/** Shared memory for one pipe. */
export function createPipeMemory() {
  return new SharedArrayBuffer(HEADER_BYTES + CAPACITY);
}

/**
 * The reading end, on the sandbox's thread: `read(target)` blocks until bytes arrive, copies up to
 * `target`'s length of them and returns the count, or 0 once the writer has closed (the same
 * contract as Deno's `stdin.readSync`).
 */
export function pipeReader(memory) {
  const { Int32Array, Uint8Array, atomicsLoad, atomicsStore, atomicsWait, atomicsNotify, typedSet, typedFill, typedLength, min } = intrinsics;
  const header = new Int32Array(memory, 0, 3);
  const ring = new Uint8Array(memory, HEADER_BYTES, CAPACITY);
  return function read(target) {
    for (;;) {
      const written = atomicsLoad(header, WRITTEN);
      const read = atomicsLoad(header, READ);
      const available = (written - read) | 0;
      if (available > 0) {
        const count = min(available, typedLength(target));
        const start = (read >>> 0) % CAPACITY;
        const first = min(count, CAPACITY - start);
        typedSet(target, new Uint8Array(memory, HEADER_BYTES + start, first), 0);
        if (first < count) typedSet(target, new Uint8Array(memory, HEADER_BYTES, count - first), first);
        // What was read is wiped: the first line carries the protocol's token.
        typedFill(ring, 0, start, start + first);
        if (first < count) typedFill(ring, 0, 0, count - first);
        atomicsStore(header, READ, (read + count) | 0);
        atomicsNotify(header, READ);
        return count;
      }
      if (atomicsLoad(header, CLOSED) === 1) return 0;
      atomicsWait(header, WRITTEN, written);
    }
  };
}

/**
 * The writing end, on the main thread: `write(bytes)` queues the bytes and moves them into the ring
 * as the reader makes room (without blocking the main thread); `close()` ends the stream.
 */
export function pipeWriter(memory) {
  const header = new Int32Array(memory, 0, 3);
  const ring = new Uint8Array(memory, HEADER_BYTES, CAPACITY);
  const queue = [];
  let waiting = false;
  let closed = false;

  function pump() {
    while (queue.length > 0 && !closed) {
      const written = Atomics.load(header, WRITTEN);
      const read = Atomics.load(header, READ);
      const room = CAPACITY - ((written - read) | 0);
      if (room === 0) {
        waitForRoom(read);
        return;
      }
      const bytes = queue[0];
      const count = Math.min(room, bytes.length);
      const start = (written >>> 0) % CAPACITY;
      const first = Math.min(count, CAPACITY - start);
      ring.set(bytes.subarray(0, first), start);
      if (first < count) ring.set(bytes.subarray(first, count), 0);
      Atomics.store(header, WRITTEN, (written + count) | 0);
      Atomics.notify(header, WRITTEN);
      if (count === bytes.length) queue.shift();
      else queue[0] = bytes.subarray(count);
    }
  }

  function waitForRoom(read) {
    if (waiting) return;
    waiting = true;
    const { async, value } = Atomics.waitAsync(header, READ, read);
    const resume = () => {
      waiting = false;
      pump();
    };
    if (async) value.then(resume);
    else resume();
  }

  return {
    write(bytes) {
      if (closed) return;
      queue.push(bytes);
      pump();
    },
    close() {
      closed = true;
      queue.length = 0;
      Atomics.store(header, CLOSED, 1);
      Atomics.notify(header, WRITTEN);
    },
  };
}
