/**
 * What the run lifecycle ({@link ChannelExecutor}) needs of one live sandbox, whatever carries its
 * messages: the bridge protocol over lines (`SandboxSession`: CPython, Pyodide) or a transport of
 * the sandbox's own (QuickJS's worker thread, `QuickJsConnection`). The executor speaks
 * {@link HostRequest}s and reads answers in the bridge protocol's shapes; a connection with another
 * wire translates both ways.
 */
import type { HostRequest, ResultLimits, SandboxToolCall } from "./bridge-protocol.js";

/** Answers a tool call with the JSON text the sandbox reads (`{ ok, value }` or `{ ok: false, error }`). */
export type ToolCallHandler = (call: SandboxToolCall) => Promise<string>;

/** One live sandbox, as the run lifecycle drives it; see the module comment. */
export interface SandboxConnection {
  /** Resolves when the sandbox answers requests; rejects if it could not start. */
  readonly ready: Promise<void>;
  /** Settles once the sandbox has ended. */
  readonly exited: Promise<void>;
  /** Whether the sandbox still answers. */
  readonly alive: boolean;
  /**
   * How long code gets to honour an interrupt before the sandbox is ended and replaced, when the
   * sandbox knows better than the executor's default (QuickJS checks for interrupts every few
   * thousand operations, so it needs far less than Python stuck in a C call).
   */
  readonly interruptGraceMs?: number;
  /**
   * False where requests between runs (tools, variables) run nothing the code can have changed and
   * no interrupt can stop them (QuickJS's worker does them outside the interpreter): they then get
   * no time limit. By default they have one, since code may have patched the runtime that serves them.
   */
  readonly requestsNeedTimeLimit?: boolean;
  /** Called for every tool call the code makes during a run. */
  onToolCall: ToolCallHandler | undefined;
  /**
   * Sends a request and resolves with the answer: `done`, or for a run a `result` message
   * (`SandboxRunResult`). Rejects when the sandbox ends first or reports a failure.
   */
  request(message: HostRequest): Promise<Record<string, unknown>>;
  /** Asks the code to stop the run in flight; sent again until it does. */
  interrupt(): void;
  /**
   * Answers every open tool call with an interruption, so the code stops waiting for it; false
   * when none was open. A runtime that needs more than the interrupted reply to end the run gets
   * that here too, so the run ends as interrupted rather than as a failed tool call.
   */
  interruptToolCalls(message: string): boolean;
  /** Ends the sandbox now; `exited` follows once it is gone. */
  kill(reason: string): void;
  /** Keeps the host's event loop alive until `work` settles: an idle sandbox lets the host exit. */
  hold<T>(work: Promise<T>): Promise<T>;
  /** The longest message the sandbox may send under the executor's limits. */
  limitLineLength(maxLineLength: number): void;
  /** The logs and value a run's result may hold; a result over them ends the sandbox. */
  limitResults(limits: ResultLimits): void;
  /** The memory the code may use, for a connection that watches it from outside. */
  limitMemory(memoryLimitMb: number): void;
}
