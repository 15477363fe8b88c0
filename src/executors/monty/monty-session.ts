/**
 * One sandbox's Python session, inside the sandbox process: the namespace that persists between
 * runs, and a run from source to result (import check, program, Monty, errors). The process
 * hosts one session for its whole life; a fresh session is a fresh process.
 */
import { Monty } from "@pydantic/monty";

import { FINAL_ANSWER_TOOL_NAME } from "../../tools/definition-checks.js";
import type { CodeError, CodeOutput } from "../executor.js";
import { timeLimitNote } from "../run-errors.js";
import { refusedImport, refusedRawImport } from "./import-gate.js";
import { MONTY_BUILTINS } from "./monty-builtins.js";
import { decoratorError, internalError, parseError } from "./monty-errors.js";
import { MontyNamespace } from "./monty-namespace.js";
import { INTERNAL_PREFIX, type RunSettings } from "./monty-protocol.js";
import { buildProgram, type MontyProgram } from "./monty-program.js";
import { runProgram } from "./monty-run.js";
import { OutputBuffer } from "./output-buffer.js";
import { analyzeSnippet } from "./python-statements.js";
import type { RunStop } from "./run-stop.js";
import { boundedMessage, type ToolCaller } from "./value-limits.js";

/** The time limit Monty gets when the run has none. */
const LONGEST_RUN_MS = 24 * 60 * 60 * 1000;

/** What one run needs besides the code. */
export interface SessionRun {
  code: string;
  tools: readonly string[];
  settings: RunSettings;
  stop: RunStop;
  callTool: ToolCaller;
}

/** See the module comment. */
export class MontySession {
  private readonly namespace = new MontyNamespace();

  /** Defines JSON values as variables (names checked by the host). */
  setVariables(values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) this.namespace.setValue(name, { value });
  }

  /** Runs one snippet; never throws (a failure of the executor itself is a `SandboxError` result). */
  async run(request: SessionRun): Promise<CodeOutput> {
    try {
      return await this.runNow(request);
    } catch (error) {
      return { output: null, logs: "", isFinalAnswer: false, error: internalError(error) };
    }
  }

  private async runNow({ code, tools, settings, stop, callTool }: SessionRun): Promise<CodeOutput> {
    const output = new OutputBuffer(settings.maxOutputChars);
    this.namespace.memoryLimitMb = settings.memoryLimitMb;
    const sourceLines = code.split("\n");
    const toolNames = new Set(tools);
    const prepared = this.prepare(code, sourceLines, toolNames, settings.authorizedImports);
    if ("error" in prepared) return { output: null, logs: "", isFinalAnswer: false, error: bounded(prepared.error) };

    const { timeoutMs } = settings;
    const outcome = await runProgram({
      program: prepared.program,
      monty: prepared.monty,
      namespace: this.namespace,
      tools: toolNames,
      callTool,
      output,
      limits: {
        maxMemory: settings.memoryLimitMb * 1024 * 1024,
        // Monty counts wall time from the start, pauses for tools included, as timeoutMs does. Even
        // a run without a time limit gets one: nothing should spin in a sandbox for days.
        maxDurationSecs: (timeoutMs ?? LONGEST_RUN_MS) / 1000,
      },
      maxValueChars: settings.maxValueChars,
      stop,
      errors: {
        sourceLines,
        origins: prepared.program.origins,
        lostDescription: (name) => this.namespace.lostDescription(name),
        droppedReason: (name) => this.namespace.droppedReason(name),
        memoryLimitMb: settings.memoryLimitMb,
        timeLimitNote: timeoutMs === null ? "Execution was interrupted." : timeLimitNote(timeoutMs),
      },
    });
    // Told now, not only when the name is next used: the code may have meant to keep it.
    const notes = this.namespace.takeDropped().map(({ name, reason }) => `[note: '${name}' was not kept for later runs: ${reason}]\n`);
    const result: CodeOutput = { output: outcome.output ?? null, logs: output.logs() + notes.join(""), isFinalAnswer: outcome.isFinalAnswer };
    if (outcome.error !== undefined) result.error = bounded(outcome.error);
    return result;
  }

  /** Checks the code's imports and builds and parses its program; any failure is the model's to see. */
  private prepare(
    code: string,
    sourceLines: string[],
    tools: ReadonlySet<string>,
    authorizedImports: readonly string[],
  ): { program: MontyProgram; monty: Monty } | { error: CodeError } {
    const internal = internalNameError(code, sourceLines);
    if (internal !== undefined) return { error: internal };
    const analysis = analyzeSnippet(code);
    if (analysis.unreadableLine !== undefined) return { error: originalParseError(code, sourceLines) ?? unreadableError(analysis.unreadableLine, sourceLines) };
    if (analysis.ambiguousStringLine !== undefined) return { error: originalParseError(code, sourceLines) ?? ambiguousStringError(analysis.ambiguousStringLine, sourceLines) };
    const refused = refusedImport(analysis, authorizedImports) ?? refusedRawImport(code, authorizedImports);
    if (refused !== undefined) return { error: originalParseError(code, sourceLines) ?? refused };
    const decorator = analysis.decorators[0];
    if (decorator !== undefined) return { error: originalParseError(code, sourceLines) ?? decoratorError(decorator, sourceLines) };
    const excluded = new Set([...tools, FINAL_ANSWER_TOOL_NAME]);
    const words = new Set(analysis.statements.flatMap((statement) => [...statement.words]));
    const builtinTools = [...tools].filter((name) => MONTY_BUILTINS.has(name) && words.has(name));
    const program = buildProgram(code, analysis, { selection: this.namespace.select(words, excluded), excluded, builtinTools });
    try {
      return { program, monty: new Monty(program.code, { inputs: [...program.inputs.keys()], scriptName: "snippet.py" }) };
    } catch (error) {
      // The model's own code, parsed alone, gives the right message and line; if it parses, the rewriting is at fault.
      return { error: originalParseError(code, sourceLines) ?? internalError(error) };
    }
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

/** Code Monty parses but the sandbox's own parser cannot read: nothing is run that the import gate could not check. */
function unreadableError(line: number, sourceLines: readonly string[]): CodeError {
  const text = (sourceLines[line - 1] ?? "").trim();
  return { type: "SyntaxError", message: `The sandbox could not read line ${line} (${text}): write it in plainer Python.` };
}

/**
 * Names starting with the executor's prefix are its own (checkpoints, type probes, loop counters):
 * code that calls or assigns them could forge what is kept between runs. Python reads identifiers
 * in NFKC form, so the check does too; a mention in a string is refused as well, which costs nothing.
 */
function internalNameError(code: string, sourceLines: readonly string[]): CodeError | undefined {
  if (!code.normalize("NFKC").includes(INTERNAL_PREFIX)) return undefined;
  // The line is found in the text as written; a spelling that only NFKC makes the prefix goes without.
  const line = code.includes(INTERNAL_PREFIX) ? code.slice(0, code.indexOf(INTERNAL_PREFIX)).split("\n").length : undefined;
  const where = line === undefined ? "" : ` (line ${line}: ${(sourceLines[line - 1] ?? "").trim()})`;
  return { type: "NameError", message: `Names starting with ${INTERNAL_PREFIX} are reserved for the sandbox${where}: choose another name.` };
}

function ambiguousStringError(line: number, sourceLines: readonly string[]): CodeError {
  const text = (sourceLines[line - 1] ?? "").trim();
  return {
    type: "SyntaxError",
    message:
      `The sandbox does not run this f-string (line ${line}: ${text}): a backslash before a brace, a named escape (\\N{...}), ` +
      "a comment, a backslash or a quote like the string's own inside a {} field can be read two ways. Build the text another way (concatenation, a variable, str.format).",
  };
}

function bounded(error: CodeError): CodeError {
  return { type: error.type, message: boundedMessage(error.message) };
}
