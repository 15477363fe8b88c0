import type { Tool } from "../tools/tool.js";
import type { ModulesOption, SandboxModule } from "./sandbox-modules.js";

/** What one snippet's run produced. */
export interface CodeOutput {
  /** Value of the last top-level expression as a JSON-like value, the final answer, or `null`. */
  output: unknown;
  /** Everything the code printed, stdout and stderr in order, cut at `maxOutputChars` with a note. */
  logs: string;
  /** True when the code called `final_answer(...)`; `output` is then the answer. */
  isFinalAnswer: boolean;
  /** Set when the code raised: the exception's class name and a message naming the line. */
  error?: CodeError;
}

/** An error raised by sandboxed code, as the model will read it. */
export interface CodeError {
  /** The exception class name: `ZeroDivisionError`, `SyntaxError`, `TimeoutError`, ... */
  type: string;
  /** What happened and where, in the model's own code. */
  message: string;
}

/** A tool call made by sandboxed code, with its outcome. */
export interface ExecutedToolCall {
  name: string;
  /** Positional and keyword arguments as the code passed them (JSON values). */
  arguments: { args: unknown[]; kwargs: Record<string, unknown> };
  /** The tool's result, when it succeeded. */
  result?: unknown;
  /** What the code was told went wrong, when it failed. */
  error?: string;
  durationMs: number;
}

/** Options for one `run`. */
export interface RunOptions {
  /** Aborting stops the run like a timeout does; the result's error says it was aborted. */
  signal?: AbortSignal;
  /** Overrides the executor's `timeoutMs` for this run. */
  timeoutMs?: number;
  /** Called when the code calls a tool, before it runs. */
  onToolCall?: (call: Pick<ExecutedToolCall, "name" | "arguments">) => void;
  /** Called when a tool call has finished, with its outcome. */
  onToolResult?: (call: ExecutedToolCall) => void;
}

/** The language an executor runs. */
export type ExecutorLanguage = "python" | "javascript";

/**
 * A sandbox that runs the model's code. Every implementation passes the shared executor contract
 * suite (`test/executor-contract.ts`): a namespace that persists across runs until `reset()`,
 * tools as plain synchronous functions, errors as values, `final_answer`, limits.
 */
export interface Executor {
  readonly language: ExecutorLanguage;
  /**
   * The modules the code may import, as this executor enforces them: an agent shows the model
   * these, so the prompt never promises what the sandbox refuses. Absent where there are no modules.
   */
  readonly authorizedImports?: readonly string[];
  /** What the model must know about this sandbox's limits (a language subset, say), for the prompt. */
  readonly promptNotes?: string;
  /** The user's helper modules this sandbox makes importable (see {@link ExecutorOptions.modules}). */
  readonly modules?: readonly SandboxModule[];
  /** Installs the tools as functions in the sandbox; they are kept across `reset()`. */
  sendTools(tools: readonly Tool[]): Promise<void>;
  /** Defines JSON-like values as variables in the sandbox's namespace. */
  sendVariables(variables: Record<string, unknown>): Promise<void>;
  /** Runs one snippet. Never throws for anything the code does; throws only if the executor is closed. */
  run(code: string, options?: RunOptions): Promise<CodeOutput>;
  /** Fresh interpreter state: variables, functions and imports are gone; tools stay. */
  reset(): Promise<void>;
  /** Ends the sandbox and frees everything it holds. Safe to call twice. */
  close(): Promise<void>;
}

/** Options every executor understands. */
export interface ExecutorOptions {
  /** Modules the code may import (Python). `"*"` allows every module. Defaults to a safe standard-library list. */
  authorizedImports?: readonly string[];
  /**
   * The user's own helper modules, importable in the sandbox and allowed by the import gate:
   * name → a file, a package folder (relative paths from the current folder), or `{ source }`.
   * Python: `.py` files and packages with `__init__.py` (`from utils import clean_text`).
   * JavaScript (QuickJS): ES modules, `.js` files and folders with `index.js`
   * (`import { cleanText } from "utils"`). They are read when the executor is made and imported
   * when a sandbox starts, so a missing file or a module that fails to import is an error at once.
   * They run inside the sandbox, with its limits.
   */
  modules?: ModulesOption;
  /** Wall-clock limit for one run, in milliseconds. Default 30,000. */
  timeoutMs?: number;
  /** Printed output beyond this many characters is cut, with a note. Default 50,000. */
  maxOutputChars?: number;
  /** Memory the sandboxed code may use, in MiB. Default 512. */
  memoryLimitMb?: number;
  /**
   * The longest JSON text, in characters, of one value leaving the sandbox: a run's result or final
   * answer, a tool call's arguments. A larger one is an error the code sees (it can print a summary
   * or return less instead); the host never has to hold it. Default 1,000,000.
   */
  maxValueChars?: number;
}

/** The modules Python code may import when `authorizedImports` is not given. */
export const DEFAULT_AUTHORIZED_IMPORTS: readonly string[] = Object.freeze([
  "collections",
  "datetime",
  "itertools",
  "math",
  "queue",
  "random",
  "re",
  "stat",
  "statistics",
  "time",
  "unicodedata",
  "json",
  "functools",
  "operator",
  "string",
  "decimal",
  "fractions",
  "heapq",
  "bisect",
  "copy",
  "textwrap",
  "dataclasses",
  "enum",
  "typing",
]);

/** Defaults shared by executors. */
export const EXECUTOR_DEFAULTS = Object.freeze({
  timeoutMs: 30_000,
  maxOutputChars: 50_000,
  memoryLimitMb: 512,
  maxValueChars: 1_000_000,
});
