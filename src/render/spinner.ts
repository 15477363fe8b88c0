import yoctoSpinner from "yocto-spinner";

/** A running indicator: started while the agent waits, stopped (and erased) before anything is printed. */
export interface Spinner {
  start(): void;
  stop(): void;
}

/** Makes a spinner showing `text`, e.g. `Thinking…`. Pass one to the renderer to draw your own or to test. */
export type SpinnerFactory = (text: string) => Spinner;

/**
 * The default spinner: yocto-spinner on `process.stderr`. Draws nothing when stderr is not a TTY
 * (yocto-spinner would print one line per start there).
 *
 * It does not install its own SIGINT/SIGTERM handlers (those would `process.exit`); whoever handles
 * the signal should call the renderer's `close()`, which stops the spinner and shows the cursor.
 */
export const createYoctoSpinner: SpinnerFactory = (text) => {
  if (process.stderr.isTTY !== true) return { start: () => {}, stop: () => {} };
  const spinner = yoctoSpinner({ text, handleSignals: false });
  return {
    start: () => void spinner.start(),
    stop: () => void spinner.stop(),
  };
};
