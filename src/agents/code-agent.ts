import { AgentConfigurationError } from "../errors.js";
import { loadSandboxModules, type ModulesOption, type SandboxModule } from "../executors/sandbox-modules.js";
import type { Executor, ExecutorLanguage } from "../executors/executor.js";
import type { ExecutorOptionsFor } from "../executors/executor-options-map.js";
import { executorLanguage, openAgentExecutor, prewarmAgentExecutor, sandboxPromptNotes, type ExecutorKind } from "./create-executor.js";
import { describeAdditionalArgs, renderCodeAgentSystemPrompt } from "./code-agent-prompt.js";
import { checkFinalAnswer } from "./final-answer-checks.js";
import type { ActionStep } from "./memory-steps.js";
import { MultiStepAgent, type AgentOptions, type AgentRunOptions, type Emit } from "./multi-step-agent.js";
import { formatObservation } from "./observation.js";
import { StepImages } from "./observation-images.js";
import type { LoadAgentOptions } from "./load-agent.js";
import { DEFAULT_CODE_BLOCK_TAGS, missingCodeMessage, parseCode, type CodeBlockTags } from "./parse-code.js";
import { defaultCodeAgentTemplates } from "./prompt-templates.js";
import type { SaveAgentOptions } from "./save-agent.js";
import { truncateMiddle } from "./truncate.js";

export type { AgentRunOptions } from "./multi-step-agent.js";

/** The default time limit of one code action of an agent with managed agents: 15 minutes. */
const MANAGER_TIMEOUT_MS = 15 * 60_000;

/** Options of {@link CodeAgent}. */
export interface CodeAgentOptions<Kind extends ExecutorKind = ExecutorKind> extends AgentOptions {
  /**
   * The sandbox: `"pyodide"` (Python, the default), `"quickjs"` (JavaScript), `"monty"` (a fast
   * Python subset), `"local-python"` (the machine's CPython), any registered name (`"docker"`
   * once `codeagent/docker` is imported), or an {@link Executor} you own and close yourself.
   */
  executor?: Kind | Executor;
  /** The language the model writes: picks the sandbox when `executor` is not given. Default python. */
  language?: ExecutorLanguage;
  /** Options for the sandbox the agent creates (limits, and that sandbox's own: `image` for Docker, ...), typed per sandbox. */
  executorOptions?: ExecutorOptionsFor<Kind>;
  /** Modules the code may import; defaults to a safe standard-library list. `"*"` allows all. */
  authorizedImports?: string[];
  /**
   * Your own helper modules, importable in the sandbox (`from utils import clean_text`, or
   * `import { cleanText } from "utils"` in JavaScript) and listed to the model with their functions'
   * signatures and docstrings: name → a `.py` or `.js` file, a package folder, or `{ source }`
   * (see `ExecutorOptions.modules`). A missing file is an error here; a module that fails to
   * import is an error when the first run starts.
   */
  modules?: ModulesOption;
  /** Tags the code is written between. Default `["<code>", "</code>"]`. */
  codeBlockTags?: CodeBlockTags;
}

/**
 * An agent whose actions are Python code. Each step: the model writes code, the sandbox runs it
 * with the tools as functions, and what it prints or returns is the next observation, until the
 * code calls `final_answer`. `run` is built on `stream`, so the two never disagree.
 */
export class CodeAgent<Kind extends ExecutorKind = ExecutorKind> extends MultiStepAgent {
  /** The language the model writes. */
  readonly language: ExecutorLanguage;
  private readonly codeOptions: CodeAgentOptions<Kind>;
  private readonly ownsExecutor: boolean;
  private executorReady: Promise<Executor> | undefined;
  private executor: Executor | undefined;
  /** The helper modules, read once: the prompt lists them, the sandbox imports them. */
  private readonly modules: readonly SandboxModule[];

  constructor(options: CodeAgentOptions<Kind>) {
    const language = typeof options.executor === "object" ? options.executor.language : (options.language ?? executorLanguage(options.executor));
    if (typeof options.executor === "string" && options.language !== undefined && executorLanguage(options.executor) !== options.language) {
      throw new AgentConfigurationError(`The ${options.executor} sandbox runs ${executorLanguage(options.executor)}, not ${options.language}: pick another executor or language.`);
    }
    super(options, defaultCodeAgentTemplates(language));
    this.language = language;
    this.codeOptions = options;
    this.ownsExecutor = typeof options.executor !== "object";
    this.modules = agentModules(options, language);
    this.memory.systemPrompt = this.systemPrompt();
  }

  systemPrompt(): string {
    // An executor passed in enforces its own imports and knows its own limits: the prompt shows those.
    const chosen = this.codeOptions.executor;
    const given = typeof chosen === "object" ? chosen : undefined;
    return renderCodeAgentSystemPrompt(this.templates.system, {
      language: this.language,
      sandboxNotes: typeof chosen === "object" ? chosen.promptNotes : sandboxPromptNotes(chosen),
      tools: this.tools,
      modules: this.modules,
      authorizedImports: given?.authorizedImports ?? this.codeOptions.authorizedImports ?? this.codeOptions.executorOptions?.authorizedImports,
      instructions: this.codeOptions.instructions,
    });
  }

  /**
   * Writes this agent's definition to the folder `dir` (`agent.json`, its replaced prompt
   * templates, its modules, its managed agents), for {@link CodeAgent.load} and
   * `codeagent run --agent dir`. Tools are saved by name. Throws `SavedAgentError` for what a file
   * cannot hold (an executor object, functions), saying what to do instead.
   */
  async save(dir: string, options: SaveAgentOptions = {}): Promise<void> {
    // Loaded on use: saving needs the file system, which the agent itself does not.
    const { saveAgent } = await import("./save-agent.js");
    await saveAgent({ agent: this, options: this.codeOptions, language: this.language, modules: this.modules }, dir, options);
  }

  /**
   * The agent saved in `dir` by {@link CodeAgent.save}. Its tools are found by name among
   * `options.tools`, the built-in tools and the MCP servers its file names (started now, closed by
   * `close()`). Throws `SavedAgentError` naming the file and the field for a file it cannot use.
   */
  static async load(dir: string, options: LoadAgentOptions = {}): Promise<CodeAgent> {
    const { loadAgent } = await import("./load-agent.js");
    return await loadAgent(dir, options);
  }

  /**
   * Starts `count` sandboxes of the kind agents with these options create, so the next `count`
   * agents start warm (for sandboxes with a warm pool: Pyodide, QuickJS, LocalPython). A server or
   * a queue worker that runs N agents at once prewarms N.
   */
  static async prewarm(options: Pick<CodeAgentOptions, "executor" | "language" | "executorOptions">, count: number): Promise<void> {
    const language = typeof options.executor === "object" ? options.executor.language : (options.language ?? executorLanguage(options.executor));
    await prewarmAgentExecutor({ executor: options.executor, language, executorOptions: options.executorOptions }, count);
  }

  /** Ends the sandbox this agent created. An executor passed in is left to its owner. */
  async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    this.executorReady = undefined;
    if (executor && this.ownsExecutor) await executor.close();
  }

  protected describeAdditionalArgs(args: Record<string, unknown>): string {
    return describeAdditionalArgs(args, this.language);
  }

  protected async prepareRun(options: AgentRunOptions): Promise<void> {
    const firstRun = this.executorReady === undefined;
    this.executorReady ??= this.createExecutor();
    const executor = await this.executorReady;
    // A sandbox handed in may hold another agent's variables: a fresh run starts clean there too.
    if ((!firstRun || !this.ownsExecutor) && options.reset !== false) await executor.reset();
    if (options.additionalArgs) await executor.sendVariables(options.additionalArgs);
  }

  /** Runs each step's code again, in order, with its tool calls answered from its record; what it prints is dropped. */
  protected override async restoreSandbox(steps: readonly ActionStep[], signal: AbortSignal): Promise<void> {
    const executor = await this.executorReady!;
    for (const step of steps) {
      if (step.codeAction === undefined) continue;
      signal.throwIfAborted();
      await this.replayStep(step, () => executor.run(step.codeAction!, { signal }));
    }
  }

  protected async takeAction(step: ActionStep, signal: AbortSignal, emit: Emit): Promise<void> {
    const executor = await this.executorReady!;
    const { stepNumber } = step;
    const tags = this.codeOptions.codeBlockTags ?? DEFAULT_CODE_BLOCK_TAGS;
    const reply = await this.callModel(this.messages(), { stopSequences: [tags[1], "Observation:", "Calling tools:"] }, stepNumber, signal, emit);
    step.modelOutput = closeCutCodeBlock(reply.text, tags);
    if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;

    const code = parseCode(step.modelOutput, tags);
    if (code === undefined) {
      step.error = { type: "AgentParseError", message: missingCodeMessage(tags) };
      return;
    }
    step.codeAction = code;
    emit({ type: "code", stepNumber, code, language: executor.language });
    const images = new StepImages();
    const result = await executor.run(code, {
      signal,
      onToolCall: (call) => emit({ type: "tool-call", stepNumber, ...call }),
      onToolResult: (call) => {
        // An image is kept once, with the step's images; the record names it.
        const recorded = call.result === undefined ? call : { ...call, result: images.take(call.result) };
        step.toolCalls.push(recorded);
        emit({ type: "tool-result", stepNumber, call: recorded });
      },
    });
    if (result.logs) emit({ type: "logs", stepNumber, text: result.logs });
    const shown = { ...result, output: images.take(result.output) };
    // After an error, "printed nothing" would mislead: the error itself is what the model reads.
    if (!result.error || result.logs || images.images.length > 0) step.observations = formatObservation(shown, this.maxObservationChars, images.labels);
    if (images.images.length > 0) step.observationImages = images.images;
    if (result.error) {
      step.error = { type: result.error.type, message: truncateMiddle(result.error.message, this.maxObservationChars) };
    } else if (result.isFinalAnswer) {
      const rejection = await checkFinalAnswer(this.options.finalAnswerChecks ?? [], result.output, this.memory);
      if (rejection === undefined) {
        step.isFinalAnswer = true;
        step.output = result.output;
      } else step.error = { type: "FinalAnswerRejected", message: rejection };
    } else step.output = result.output;
  }

  private async createExecutor(): Promise<Executor> {
    const options = this.codeOptions;
    // A sandbox's time limit counts the time its code waits on tools, and a managed agent's whole
    // run is one such wait: a manager's own sandbox gets a limit that fits runs, unless one is set.
    let executorOptions =
      this.managedAgents.length > 0 && options.executorOptions?.timeoutMs === undefined
        ? { ...options.executorOptions, timeoutMs: MANAGER_TIMEOUT_MS }
        : options.executorOptions;
    if (options.modules) executorOptions = { ...executorOptions, modules: options.modules } as typeof executorOptions;
    const executor = await openAgentExecutor(
      { executor: options.executor, language: this.language, executorOptions, authorizedImports: options.authorizedImports },
      this.tools,
    );
    this.executor = executor;
    return executor;
  }
}

/**
 * The modules an agent's code may import: those of an executor passed in, or those of the options
 * (read now, so a missing file fails here).
 */
function agentModules(options: CodeAgentOptions<ExecutorKind>, language: ExecutorLanguage): readonly SandboxModule[] {
  const given = typeof options.executor === "object" ? options.executor : undefined;
  if (given && options.modules) {
    throw new AgentConfigurationError("Give modules to the executor you pass in (new PyodideExecutor({ modules })): the agent does not start that sandbox.");
  }
  if (given) return given.modules ?? [];
  const modules = options.modules ?? options.executorOptions?.modules;
  if (modules === undefined || Object.keys(modules).length === 0) return [];
  return loadSandboxModules(modules, language);
}

/** When a stop sequence ended the reply inside a code block, the closing tag is put back. */
function closeCutCodeBlock(text: string, [open, close]: CodeBlockTags): string {
  const lastOpen = text.lastIndexOf(open);
  return lastOpen >= 0 && text.indexOf(close, lastOpen) < 0 ? `${text.replace(/\s+$/, "")}\n${close}` : text;
}
