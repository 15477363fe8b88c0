/**
 * The messages between the host and the QuickJS worker thread (sandbox-worker.mjs), and the layout
 * of the shared memory both sides use. Requests and results travel by `postMessage`; a tool call
 * blocks the worker on `Atomics.wait` until the host posts the reply on a private port and bumps
 * the reply counter; an interrupt is one `Atomics.store` the QuickJS interrupt handler reads.
 */

/** Slots of the shared `Int32Array` between host and worker. */
export const SIGNAL_SLOTS = Object.freeze({
  /** `(runId << 2) | STOP`: the run the host wants stopped (why, it knows itself). */
  interrupt: 0,
  /** Bumped (and notified) after each tool reply is posted on the reply port. */
  reply: 1,
  count: 2,
});

/** The low bits of the interrupt slot when a stop is asked for. */
export const STOP = 1;

/** Run ids wrap at 2^29 so `(runId << 2) | STOP` stays a positive 32-bit integer. */
export const RUN_ID_MASK = 0x1fffffff;

/** Fixed settings the worker gets at start (in `workerData`). */
export interface WorkerSettings {
  codeFile: string;
  mainFunction: string;
  /** What follows "The module 'x' cannot be loaded" in the sandbox's ImportError when it has no modules. */
  noModulesTail: string;
  /** What follows the list of the user's modules in that error when it has some. */
  userModulesTail: string;
  /** QuickJS's own stack limit, well inside the thread's native stack. */
  stackBytes: number;
  /** Memory held back from the code, to report an out-of-memory error and run the next snippet. */
  reserveBytes: number;
}

/** Host → worker requests; each is answered with `done`, `result` or `fatal` carrying its id. */
export type WorkerRequest =
  | { type: "configure"; id: number; memoryLimitBytes: number; maxOutputChars: number; maxValueChars: number; tools: string[] }
  | { type: "tools"; id: number; tools: string[] }
  | { type: "variables"; id: number; json: string }
  | { type: "reset"; id: number }
  /** `fileName`: the script's name in stack traces; the model's code is `WorkerSettings.codeFile`. */
  | { type: "run"; id: number; runId: number; script: string; fileName?: string };

/** What a run ended with, as the worker saw it; the host turns it into a CodeOutput. */
export type RunOutcome =
  | { kind: "value"; json: string }
  | { kind: "final"; json: string }
  | { kind: "error"; error: SandboxErrorReport }
  | { kind: "interrupted"; reason: number; frames: ErrorFrame[] };

/**
 * `[line, functionName]` in the model's code, or `[line, functionName, file]` in one of the user's
 * modules; the name is "" at top level.
 */
export type ErrorFrame = [number, string] | [number, string, string];

/** An exception raised in the sandbox, before the host adds the source lines. */
export interface SandboxErrorReport {
  type: string;
  message: string;
  frames: ErrorFrame[];
}

/** Worker → host messages. */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "done"; id: number }
  /** `jobsLeft`: the run left promise jobs that could not be stopped, so the thread must not run again. */
  | { type: "result"; id: number; logs: string; outcome: RunOutcome; jobsLeft: boolean }
  | { type: "tool-call"; callId: number; name: string; args: string }
  | { type: "fatal"; id?: number; message: string };

/** Host → worker, on the reply port: the JSON reply to one tool call. */
export interface ToolReply {
  callId: number;
  reply: string;
}
