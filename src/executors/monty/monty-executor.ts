import { Monty } from "@pydantic/monty";

import { AgentError, SandboxClosedError } from "../../errors.js";
import { FINAL_ANSWER_TOOL_NAME } from "../../tools/definition-checks.js";
import { isIdentifier, isPythonKeyword } from "../../tools/identifiers.js";
import type { Tool } from "../../tools/tool.js";
import {
  DEFAULT_AUTHORIZED_IMPORTS,
  EXECUTOR_DEFAULTS,
  type CodeError,
  type CodeOutput,
  type Executor,
  type ExecutorOptions,
  type RunOptions,
} from "../executor.js";
import { toJsonText } from "../json-text.js";
import { refusedImport } from "./import-gate.js";
import { MONTY_BUILTINS } from "./monty-builtins.js";
import { internalError, parseError } from "./monty-errors.js";
import { MontyNamespace } from "./monty-namespace.js";
import { buildProgram, INTERNAL_PREFIX, type MontyProgram } from "./monty-program.js";
import { runProgram } from "./monty-run.js";
import { OutputBuffer } from "./output-buffer.js";
import { analyzeSnippet } from "./python-statements.js";
import { RunStop } from "./run-stop.js";

/**
 * Runs Python in Monty (`@pydantic/monty`), a Python subset interpreted in Rust, in this process:
 * a run starts in microseconds, has time, memory and recursion limits, and has no file system,
 * network, environment or subprocesses because Monty has none to give. Tools stay on the host:
 * Monty pauses at each call and resumes with the result, so async tools are plain calls in Python.
 *
 * Monty has no classes, generators, `match`, `del` or most of the standard library (see
 * `MONTY_PROMPT_NOTES`); such code fails with an error that names the feature and points to
 * `PyodideExecutor`. Between runs, data, imports and top-level `def` functions are kept; other
 * objects are not, and using one later says so.
 *
 * Monty runs on the calling thread: a `while` loop pauses every 10,000 iterations so that aborts
 * and the event loop get their turn, but other pure computation (a long `for` loop) holds the
 * thread until it ends or reaches `timeoutMs`.
 */
export class MontyExecutor implements Executor {
  readonly language = "python" as const;
  private readonly authorizedImports: readonly string[];
  private readonly timeoutMs: number;
  private readonly maxOutputChars: number;
  private readonly memoryLimitMb: number;
  private readonly namespace = new MontyNamespace();
  private readonly closing = new AbortController();
  private tools = new Map<string, Tool>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: ExecutorOptions = {}) {
    this.authorizedImports = options.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS;
    this.timeoutMs = options.timeoutMs ?? EXECUTOR_DEFAULTS.timeoutMs;
    this.maxOutputChars = options.maxOutputChars ?? EXECUTOR_DEFAULTS.maxOutputChars;
    this.memoryLimitMb = options.memoryLimitMb ?? EXECUTOR_DEFAULTS.memoryLimitMb;
  }

  async sendTools(tools: readonly Tool[]): Promise<void> {
    this.ensureOpen();
    this.tools = new Map(tools.map((tool) => [tool.name, tool]));
  }

  async sendVariables(variables: Record<string, unknown>): Promise<void> {
    this.ensureOpen();
    let values: Record<string, unknown>;
    try {
      values = JSON.parse(toJsonText(variables)) as Record<string, unknown>;
    } catch (error) {
      throw new AgentError(`Cannot send these variables to the sandbox: ${(error as Error).message}.`);
    }
    for (const name of Object.keys(values)) {
      if (!isIdentifier(name) || isPythonKeyword(name) || name.startsWith(INTERNAL_PREFIX)) {
        throw new AgentError(`Cannot send the variable ${JSON.stringify(name)} to the sandbox: its name is not a Python identifier.`);
      }
    }
    await this.exclusive(async () => {
      for (const [name, value] of Object.entries(values)) this.namespace.setValue(name, { value });
    });
  }

  async reset(): Promise<void> {
    this.ensureOpen();
    await this.exclusive(async () => this.namespace.clear());
  }

  async run(code: string, options: RunOptions = {}): Promise<CodeOutput> {
    this.ensureOpen();
    // Runs share the namespace, so they take turns.
    return this.exclusive(() => this.runNow(code.replace(/\r\n?/g, "\n"), options));
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  private async runNow(code: string, options: RunOptions): Promise<CodeOutput> {
    this.ensureOpen();
    const output = new OutputBuffer(this.maxOutputChars);
    const sourceLines = code.split("\n");
    const prepared = this.prepare(code, sourceLines);
    if ("error" in prepared) return { output: null, logs: "", isFinalAnswer: false, error: prepared.error };

    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const signals = [this.closing.signal, ...(options.signal ? [options.signal] : [])];
    const stop = new RunStop(timeoutMs, signals);
    const outcome = await runProgram({
      program: prepared.program,
      monty: prepared.monty,
      namespace: this.namespace,
      tools: this.tools,
      output,
      limits: {
        maxMemory: this.memoryLimitMb * 1024 * 1024,
        // Monty counts wall time from the start, pauses for tools included, as timeoutMs does.
        ...(Number.isFinite(timeoutMs) ? { maxDurationSecs: timeoutMs / 1000 } : {}),
      },
      stop,
      observer: options,
      errors: {
        sourceLines,
        origins: prepared.program.origins,
        lostDescription: (name) => this.namespace.lostDescription(name),
        memoryLimitMb: this.memoryLimitMb,
        timeLimitNote: `Execution exceeded the time limit of ${formatDuration(timeoutMs)} and was interrupted; variables set by the statements that completed before that point are kept.`,
      },
    });
    const result: CodeOutput = { output: outcome.output ?? null, logs: output.logs(), isFinalAnswer: outcome.isFinalAnswer };
    if (outcome.error !== undefined) result.error = outcome.error;
    return result;
  }

  /** Checks the code's imports and builds and parses its program; any failure is the model's to see. */
  private prepare(code: string, sourceLines: string[]): { program: MontyProgram; monty: Monty } | { error: CodeError } {
    const analysis = analyzeSnippet(code);
    const refused = refusedImport(analysis.imports, this.authorizedImports);
    if (refused !== undefined) return { error: originalParseError(code, sourceLines) ?? refused };
    const excluded = new Set([...this.tools.keys(), FINAL_ANSWER_TOOL_NAME]);
    const words = new Set(analysis.statements.flatMap((statement) => [...statement.words]));
    const builtinTools = [...this.tools.keys()].filter((name) => MONTY_BUILTINS.has(name) && words.has(name));
    const program = buildProgram(code, analysis, { selection: this.namespace.select(words, excluded), excluded, builtinTools });
    try {
      return { program, monty: new Monty(program.code, { inputs: [...program.inputs.keys()], scriptName: "snippet.py" }) };
    } catch (error) {
      // The model's own code, parsed alone, gives the right message and line; if it parses, the rewriting is at fault.
      return { error: originalParseError(code, sourceLines) ?? internalError(error) };
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private ensureOpen(): void {
    if (this.closing.signal.aborted) throw new SandboxClosedError();
  }
}

/** Monty's error for the code as written (syntax, unsupported feature), or undefined when it parses. */
function originalParseError(code: string, sourceLines: string[]): CodeError | undefined {
  try {
    new Monty(code);
    return undefined;
  } catch (error) {
    return parseError(error, sourceLines);
  }
}

function formatDuration(milliseconds: number): string {
  return milliseconds >= 1000 ? `${milliseconds / 1000} s` : `${milliseconds} ms`;
}
