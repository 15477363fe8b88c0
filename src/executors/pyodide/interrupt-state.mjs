// The shared memory through which a sandbox is interrupted from another thread: the interrupt
// worker of a sandbox process (interrupt-worker.mjs) or the main thread of a shared process
// (sandbox-host.mjs). Layout, 24 bytes: Int32 [0] is Pyodide's interrupt buffer (2 = SIGINT), [1]
// counts the host's interrupt requests (so a request can wait until those sent for an earlier run
// have landed), [2] is 1 once the current run was interrupted from outside (which tells a
// KeyboardInterrupt the code raised itself from a stop); Float64 at byte 16 is the current run's
// deadline (epoch ms, 0 when none). These threads run no Python, so they use plain built-ins.

/** Bytes of shared memory one sandbox's interrupt state takes. */
export const INTERRUPT_STATE_BYTES = 24;

/** Views on one sandbox's interrupt state. */
export function interruptViews(sharedState) {
  return { flags: new Int32Array(sharedState, 0, 3), deadline: new Float64Array(sharedState, 16, 1) };
}

/** Raises KeyboardInterrupt in Python at its next bytecode. */
export function interruptPython({ flags }) {
  Atomics.store(flags, 2, 1);
  Atomics.store(flags, 0, 2);
  Atomics.notify(flags, 0);
}

/** An interrupt the host asked for: interrupts Python and counts the request. */
export function interruptForHost(views) {
  interruptPython(views);
  Atomics.add(views.flags, 1, 1);
  Atomics.notify(views.flags, 1);
}

/** Interrupts Python if its run's deadline has passed (the host's request may have been lost). */
export function enforceDeadline(views) {
  const deadline = views.deadline[0];
  if (deadline > 0 && Date.now() >= deadline) interruptPython(views);
}
