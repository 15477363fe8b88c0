/**
 * `python_interpreter` (or `javascript_interpreter`): a tool that runs code in a sandbox, for an
 * agent whose actions are tool calls rather than code. The sandbox is opened on first need and
 * keeps its variables between calls of one run, like a notebook.
 */
import { DEFAULT_AUTHORIZED_IMPORTS, type Executor, type ExecutorLanguage } from "../executors/executor.js";
import { toolFromJsonSchema, type Tool } from "../tools/tool.js";
import { openAgentExecutor, type AgentSandboxChoice } from "./create-executor.js";
import { formatObservation } from "./observation.js";
import { truncateMiddle } from "./truncate.js";

/** The sandbox behind the interpreter tool, opened when first needed and closed with its agent. */
export class InterpreterSandbox {
  readonly language: ExecutorLanguage;
  private opening: Promise<Executor> | undefined;

  constructor(private readonly choice: AgentSandboxChoice) {
    this.language = typeof choice.executor === "object" ? choice.executor.language : choice.language;
  }

  /** The modules code may import, as the prompt should list them. */
  get authorizedImports(): readonly string[] {
    const chosen = this.choice.executor;
    return (typeof chosen === "object" ? chosen.authorizedImports : undefined) ?? this.choice.authorizedImports ?? this.choice.executorOptions?.authorizedImports ?? DEFAULT_AUTHORIZED_IMPORTS;
  }

  /** The executor, opened on first call. */
  executor(): Promise<Executor> {
    this.opening ??= openAgentExecutor(this.choice, []);
    return this.opening;
  }

  /** Whether the executor was opened. */
  get opened(): boolean {
    return this.opening !== undefined;
  }

  /** Ends an executor this sandbox created; one handed in is left to its owner. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening && typeof this.choice.executor !== "object") await (await opening).close();
  }
}

/** The tool's name for a sandbox of `language`. */
export function interpreterToolName(language: ExecutorLanguage): string {
  return language === "python" ? "python_interpreter" : "javascript_interpreter";
}

/**
 * The tool that runs code in `sandbox`: it returns what the code printed and the value of its last
 * expression; an exception in the code is the tool's error, with the code's own message.
 */
export function interpreterTool(sandbox: InterpreterSandbox, maxObservationChars: () => number): Tool {
  const language = sandbox.language === "python" ? "Python" : "JavaScript";
  const imports = sandbox.authorizedImports;
  const importNote = sandbox.language === "python" ? ` Modules you may import: ${imports.includes("*") ? "any" : imports.join(", ")}.` : "";
  return toolFromJsonSchema({
    name: interpreterToolName(sandbox.language),
    description:
      `Runs ${language} code in a sandbox and returns what it printed and the value of its last expression. ` +
      `Variables and functions stay defined between calls during this task; nothing on this machine is reachable.${importNote}`,
    parameters: {
      type: "object",
      properties: { code: { type: "string", description: `The ${language} code to run.` } },
      required: ["code"],
    },
    execute: async (args, { signal }) => {
      const code = args["code"];
      if (typeof code !== "string") throw new Error(`code must be a string of ${language} code.`);
      const executor = await sandbox.executor();
      const result = await executor.run(code, signal ? { signal } : {});
      if (result.error) {
        const logs = result.logs ? `\nIt printed before failing:\n${truncateMiddle(result.logs, 2_000)}` : "";
        throw new Error(`${result.error.type}: ${truncateMiddle(result.error.message, maxObservationChars())}${logs}`);
      }
      return formatObservation(result, maxObservationChars());
    },
  });
}
