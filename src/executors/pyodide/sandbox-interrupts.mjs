// Interrupting Python from outside its thread. A worker (interrupt-worker.mjs) sets Pyodide's
// interrupt buffer when the host sends SIGUSR1 or when the run's deadline passes; this module
// gives the main thread what it needs around that. Only captured built-ins are used (see
// sandbox-intrinsics.mjs): Python runs on the main thread and can replace the others.

import { intrinsics } from "./sandbox-intrinsics.mjs";

const { SharedArrayBuffer, Int32Array, Float64Array, atomicsLoad, atomicsStore, atomicsWait, atomicsCompareExchange, monotonicNow, dateNow } = intrinsics;

/**
 * Starts the interrupt worker. interruptState[0] is Pyodide's interrupt buffer (2 = SIGINT); [1]
 * counts signals received, so a request can wait until every interrupt the host sent for an
 * earlier run has landed before clearing; [2] is 1 once the worker interrupted the current run,
 * which tells a KeyboardInterrupt the code raised itself from a stop. The deadline is when the
 * current run must stop (epoch ms, 0 when none): the worker enforces it itself, so a time limit
 * holds even if the host's signal were lost.
 */
export function startInterrupts() {
  const sharedState = new SharedArrayBuffer(24);
  const interruptState = new Int32Array(sharedState, 0, 3);
  const runDeadline = new Float64Array(sharedState, 16, 1);
  const worker = new Worker(new URL("./interrupt-worker.mjs", import.meta.url), { type: "module" });
  worker.postMessage(sharedState);

  return {
    /** The buffer to hand to `pyodide.setInterruptBuffer`. */
    interruptBuffer: interruptState,

    /** Waits (briefly) for the host's earlier interrupts to land, then clears them. */
    settle(expectedSignals) {
      const deadline = monotonicNow() + 1000;
      while (atomicsLoad(interruptState, 1) < expectedSignals && monotonicNow() < deadline) {
        atomicsWait(interruptState, 1, atomicsLoad(interruptState, 1), 5);
      }
      atomicsStore(interruptState, 0, 0);
      atomicsStore(interruptState, 2, 0);
    },

    /** Whether the host (or the deadline) interrupted the current run. */
    hostInterrupted() {
      return atomicsLoad(interruptState, 2) === 1;
    },

    /** Sets the current run's time limit (0: none). */
    setTimeLimit(timeoutMs) {
      runDeadline[0] = timeoutMs > 0 ? dateNow() + timeoutMs : 0;
    },

    /** time.sleep for Python: returns true when an interrupt ended it (consumed: Python raises it). */
    interruptibleSleep(seconds) {
      const deadline = monotonicNow() + seconds * 1000;
      for (;;) {
        if (atomicsCompareExchange(interruptState, 0, 2, 0) === 2) return true;
        const left = deadline - monotonicNow();
        if (left <= 0) return false;
        atomicsWait(interruptState, 0, 0, left < 1000 ? left : 1000);
      }
    },
  };
}
