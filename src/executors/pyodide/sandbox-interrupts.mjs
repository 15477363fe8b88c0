// Interrupting Python from outside its thread: another thread sets Pyodide's interrupt buffer when
// the host asks or when the run's deadline passes (interrupt-state.mjs); this module gives the
// sandbox's own thread what it needs around that. Only captured built-ins are used (see
// sandbox-intrinsics.mjs): Python runs on the main thread and can replace the others.

import { intrinsics } from "./sandbox-intrinsics.mjs";
import { INTERRUPT_STATE_BYTES } from "./interrupt-state.mjs";

const { SharedArrayBuffer, Int32Array, Float64Array, atomicsLoad, atomicsStore, atomicsWait, atomicsCompareExchange, monotonicNow, dateNow } = intrinsics;

/**
 * For a sandbox process: starts the worker thread that interrupts Python on the host's SIGUSR1 or
 * at the deadline (interrupt-worker.mjs), and returns the sandbox's side of it.
 */
export function startInterruptWorker() {
  const sharedState = new SharedArrayBuffer(INTERRUPT_STATE_BYTES);
  const worker = new Worker(new URL("./interrupt-worker.mjs", import.meta.url), { type: "module" });
  worker.postMessage(sharedState);
  return useInterrupts(sharedState);
}

/**
 * The sandbox's side of its interrupt state (layout in interrupt-state.mjs), which another thread
 * sets. The deadline is enforced there too, so a time limit holds even if the host's request were
 * lost.
 */
export function useInterrupts(sharedState) {
  const interruptState = new Int32Array(sharedState, 0, 3);
  const runDeadline = new Float64Array(sharedState, 16, 1);

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
