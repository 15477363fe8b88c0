import { mapWithConcurrency } from "../concurrency.js";
import type { ExecutedToolCall, Executor } from "../executors/executor.js";
import type { ExecutorOptionsFor } from "../executors/executor-options-map.js";
import type { ModelToolCall, ModelToolSpec } from "../models/model.js";
import { invokeTool } from "../tools/invoke-tool.js";
import type { Tool } from "../tools/tool.js";
import { executorLanguage, type ExecutorKind } from "./create-executor.js";
import { checkFinalAnswer } from "./final-answer-checks.js";
import { InterpreterSandbox, interpreterTool, interpreterToolName } from "./interpreter-tool.js";
import type { ActionStep } from "./memory-steps.js";
import { MultiStepAgent, type AgentOptions, type AgentRunOptions, type Emit } from "./multi-step-agent.js";
import { formatValue } from "./observation.js";
import { StepImages } from "./observation-images.js";
import { parseTextToolCalls } from "./parse-tool-calls.js";
import { defaultToolCallingAgentTemplates, renderTemplate } from "./prompt-templates.js";
import { truncateMiddle } from "./truncate.js";

/** Options of {@link ToolCallingAgent}. */
export interface ToolCallingAgentOptions<Kind extends ExecutorKind = ExecutorKind> extends AgentOptions {
  /**
   * Gives the agent a `python_interpreter` tool (`javascript_interpreter` for a JavaScript
   * sandbox) that runs code in this sandbox: a name as for {@link CodeAgent} (`"pyodide"`,
   * `"quickjs"`, ...) or an {@link Executor} you own and close yourself. No such tool when absent.
   */
  executor?: Kind | Executor;
  /** Options for the sandbox the agent creates, typed per sandbox. */
  executorOptions?: ExecutorOptionsFor<Kind>;
  /** Modules the interpreter's code may import; defaults to a safe standard-library list. */
  authorizedImports?: string[];
  /**
   * Send the tools with the provider's native tool calling (default). With `false` they are only
   * described in the prompt and the model writes calls as JSON text, for models without tool calling.
   */
  nativeToolCalling?: boolean;
  /** Calls of one step run in parallel, at most this many at once. Default 4. */
  maxParallelToolCalls?: number;
  /** A result longer than this (as JSON) is stored in state and referred to by name. Default 2,000. */
  largeResultChars?: number;
}

const FINAL_ANSWER_SPEC: ModelToolSpec = {
  name: "final_answer",
  description: "Ends the task with your answer.",
  parameters: { type: "object", properties: { answer: { description: "The final answer to the task." } }, required: ["answer"] },
};

/**
 * An agent whose actions are the provider's native tool calls (JSON), the usual alternative to
 * code actions. Same options, memory and events as {@link CodeAgent}, so the two can be compared.
 * Several calls in one reply run in parallel; `final_answer` is a tool that ends the run; large
 * results and images are kept in state and referred to by name.
 */
export class ToolCallingAgent<Kind extends ExecutorKind = ExecutorKind> extends MultiStepAgent {
  /** Values kept between steps: large results, images and `additionalArgs`, by name. */
  readonly state = new Map<string, unknown>();
  private readonly callOptions: ToolCallingAgentOptions<Kind>;
  private readonly toolsByName: Map<string, Tool>;
  private readonly sandbox: InterpreterSandbox | undefined;

  constructor(options: ToolCallingAgentOptions<Kind>) {
    const sandbox =
      options.executor === undefined
        ? undefined
        : new InterpreterSandbox({
            executor: options.executor,
            language: executorLanguage(typeof options.executor === "string" ? options.executor : undefined),
            executorOptions: options.executorOptions,
            authorizedImports: options.authorizedImports,
          });
    const maxChars = () => options.maxObservationChars ?? 20_000;
    const tools = sandbox ? [...(options.tools ?? []), interpreterTool(sandbox, maxChars)] : options.tools;
    super({ ...options, ...(tools ? { tools } : {}) }, defaultToolCallingAgentTemplates());
    this.sandbox = sandbox;
    this.callOptions = options;
    this.toolsByName = new Map(this.tools.map((tool) => [tool.name, tool]));
    this.memory.systemPrompt = this.systemPrompt();
  }

  systemPrompt(): string {
    const tools = [...this.toolSpecs()].map((spec) => `- ${spec.name}: ${spec.description}\n  arguments: ${JSON.stringify(spec.parameters)}`).join("\n");
    const instructions = this.callOptions.instructions ? `\nMore instructions:\n${this.callOptions.instructions}\n` : "";
    return renderTemplate(this.templates.system, { tools, instructions }).trimEnd();
  }

  /** Ends the interpreter's sandbox, when the agent created one; tools run on the host. */
  async close(): Promise<void> {
    await this.sandbox?.close();
  }

  protected describeAdditionalArgs(args: Record<string, unknown>): string {
    const lines = Object.entries(args).map(([name, value]) => `- ${name}: ${truncateMiddle(formatValue(value), 300)}`);
    const inSandbox = this.sandbox ? ` (they are also variables in ${interpreterToolName(this.sandbox.language)}'s session)` : "";
    return `These values are stored by name; pass a name as an argument to use its value${inSandbox}:\n${lines.join("\n")}`;
  }

  protected async prepareRun(options: AgentRunOptions): Promise<void> {
    if (options.reset !== false) this.state.clear();
    for (const [name, value] of Object.entries(options.additionalArgs ?? {})) this.state.set(name, value);
    if (this.sandbox === undefined) return;
    // The interpreter's variables last one run (or a conversation, with reset: false), as a CodeAgent's do.
    const firstRun = !this.sandbox.opened;
    const executor = await this.sandbox.executor();
    if ((!firstRun || typeof this.callOptions.executor === "object") && options.reset !== false) await executor.reset();
    if (options.additionalArgs) await executor.sendVariables(options.additionalArgs);
  }

  protected async takeAction(step: ActionStep, signal: AbortSignal, emit: Emit): Promise<void> {
    const native = this.callOptions.nativeToolCalling !== false;
    const reply = await this.callModel(
      this.messages(),
      native ? { tools: this.toolSpecs(), toolChoice: "required", stopSequences: ["Observation:"] } : { stopSequences: ["Observation:"] },
      step.stepNumber,
      signal,
      emit,
    );
    if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;
    const calls = reply.toolCalls?.length ? reply.toolCalls : parseTextToolCalls(reply.text);
    step.modelOutput = renderReply(reply.text, calls);
    if (calls.length === 0) {
      step.error = {
        type: "AgentParseError",
        message:
          'Your reply called no tool. Call a tool, or final_answer with your answer. Without native tool calling, write a JSON object: {"name": "final_answer", "arguments": {"answer": ...}}',
      };
      return;
    }

    const finalCall = calls.find((call) => call.name === "final_answer");
    const toolCalls = calls.filter((call) => call !== finalCall);
    const images = new StepImages();
    const outcomes = await mapWithConcurrency(toolCalls, this.callOptions.maxParallelToolCalls ?? 4, (call, index) =>
      this.runCall(call, `${step.stepNumber}_${index + 1}`, { step, images }, signal, emit),
    );
    if (images.images.length > 0) step.observationImages = images.images;
    const lines = outcomes.map((outcome) => outcome.line);
    const failed = outcomes.find((outcome) => outcome.error !== undefined);
    if (failed) step.error = { type: "ToolCallError", message: failed.error! };

    if (finalCall && !failed) {
      const answer = this.resolveStateNames(finalAnswerValue(finalCall.arguments));
      const rejection = await checkFinalAnswer(this.options.finalAnswerChecks ?? [], answer, this.memory);
      if (rejection === undefined) {
        step.isFinalAnswer = true;
        step.output = answer;
      } else step.error = { type: "FinalAnswerRejected", message: rejection };
    } else if (finalCall) {
      lines.push("final_answer was not accepted, because another call in the same step failed.");
    }
    step.observations = lines.join("\n") || "No tool ran.";
  }

  private toolSpecs(): ModelToolSpec[] {
    return [...this.tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })), FINAL_ANSWER_SPEC];
  }

  private async runCall(
    call: ModelToolCall,
    storageName: string,
    { step, images }: { step: ActionStep; images: StepImages },
    signal: AbortSignal,
    emit: Emit,
  ): Promise<{ line: string; error?: string }> {
    const started = performance.now();
    const kwargs = isPlainObject(call.arguments) ? (this.resolveStateNames(call.arguments) as Record<string, unknown>) : {};
    const record: Pick<ExecutedToolCall, "name" | "arguments"> = { name: call.name, arguments: { args: [], kwargs } };
    emit({ type: "tool-call", stepNumber: step.stepNumber, ...record });
    const finish = (outcome: { result?: unknown; error?: string }) => {
      const executed: ExecutedToolCall = { ...record, ...outcome, durationMs: performance.now() - started };
      step.toolCalls.push(executed);
      emit({ type: "tool-result", stepNumber: step.stepNumber, call: executed });
    };
    const label = `${call.name}(${truncateMiddle(JSON.stringify(call.arguments) ?? "", 200)})`;
    try {
      const tool = this.toolsByName.get(call.name);
      if (tool === undefined) throw new Error(`there is no tool named '${call.name}'. Tools: ${[...this.toolsByName.keys(), "final_answer"].join(", ")}`);
      if (!isPlainObject(call.arguments)) throw new Error(`its arguments must be a JSON object, got: ${truncateMiddle(String(JSON.stringify(call.arguments)), 200)}`);
      const result = await invokeTool(tool, { args: [], kwargs, language: "javascript" }, { signal });
      finish({ result });
      return { line: `${label} → ${this.describeResult(result, storageName, images)}` };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      finish({ error: message });
      return { line: `${label} failed: ${message}`, error: `${call.name}: ${message}` };
    }
  }

  /**
   * Small results are shown; large ones and images are stored in state under a name. Images also
   * go to the model with the observation, and the text names them by their label.
   */
  private describeResult(result: unknown, storageName: string, images: StepImages): string {
    const imagesBefore = images.images.length;
    const shown = images.take(result);
    const withImages = images.images.length > imagesBefore;
    const text = formatValue(shown);
    if (!withImages && text.length <= (this.callOptions.largeResultChars ?? 2_000)) return text;
    const name = `result_${storageName}`;
    this.state.set(name, result);
    const stored = `stored as '${name}'; pass '${name}' as an argument to use it.`;
    // An image alone is its label; the image itself goes with the observation.
    if (typeof shown === "string" && withImages) return `${shown}, ${stored}`;
    const what = withImages ? "a value with images" : `${typeof result === "string" ? "a string" : "a value"} of ${text.length} characters`;
    return `${what}, ${stored} It starts: ${truncateMiddle(text, 300)}`;
  }

  /** Arguments that name a stored value get the value. */
  private resolveStateNames(value: unknown): unknown {
    if (typeof value === "string") return this.state.has(value) ? this.state.get(value) : value;
    if (Array.isArray(value)) return value.map((item) => this.resolveStateNames(item));
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolveStateNames(item)]));
    return value;
  }
}

/** What the model said plus the calls it made, as memory keeps it and the model reads it back. */
function renderReply(text: string, calls: readonly ModelToolCall[]): string {
  const parts = text.trim() ? [text.trim()] : [];
  if (calls.length > 0) parts.push(`Calling tools:\n${JSON.stringify(calls.map((call) => ({ name: call.name, arguments: call.arguments })))}`);
  return parts.join("\n");
}

function finalAnswerValue(args: unknown): unknown {
  return isPlainObject(args) && "answer" in args ? args["answer"] : args;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
