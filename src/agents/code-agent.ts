import { AgentConfigurationError } from "../errors.js";
import type { Executor } from "../executors/executor.js";
import { PyodideExecutor, type PyodideExecutorOptions } from "../executors/pyodide/pyodide-executor.js";
import { addTokenUsage, applyStopSequences, type ChatMessage, type GenerateOptions, type ImagePart, type Model, type TokenUsage } from "../models/model.js";
import type { Tool } from "../tools/tool.js";
import { AgentMemory } from "./agent-memory.js";
import { describeAdditionalArgs, renderCodeAgentSystemPrompt } from "./code-agent-prompt.js";
import { EventChannel } from "./event-channel.js";
import type { AgentEvent } from "./events.js";
import { checkFinalAnswer, type FinalAnswerCheck } from "./final-answer-checks.js";
import { memoryToMessages } from "./memory-messages.js";
import type { ActionStep, MemoryStep, PlanningStep } from "./memory-steps.js";
import { formatObservation } from "./observation.js";
import { truncateMiddle } from "./truncate.js";
import { DEFAULT_CODE_BLOCK_TAGS, missingCodeMessage, parseCode, type CodeBlockTags } from "./parse-code.js";
import { defaultCodeAgentTemplates, renderTemplate, type PromptTemplates } from "./prompt-templates.js";
import type { RunResult } from "./run-result.js";
import { runStepCallbacks, type StepCallbacks } from "./step-callbacks.js";

/** Options of {@link CodeAgent}. */
export interface CodeAgentOptions {
  model: Model;
  tools?: Tool[];
  /** The sandbox: `"pyodide"` (default) or an {@link Executor} you own and close yourself. */
  executor?: "pyodide" | Executor;
  /** Options for the sandbox the agent creates (time and memory limits, output cap). */
  executorOptions?: PyodideExecutorOptions;
  /** Modules the code may import; defaults to a safe standard-library list. `"*"` allows all. */
  authorizedImports?: string[];
  /** Action steps per run before the model is asked for its best answer. Default 20. */
  maxSteps?: number;
  /** Plan at the start and then every N steps. No planning when absent. */
  planningInterval?: number;
  /** Added to the system prompt. */
  instructions?: string;
  /** Functions that may reject a final answer; a rejection is an error the model sees. */
  finalAnswerChecks?: FinalAnswerCheck[];
  /** Called after each step: for every step (an array) or by step type. */
  stepCallbacks?: StepCallbacks;
  /** Tags the code is written between. Default `["<code>", "</code>"]`. */
  codeBlockTags?: CodeBlockTags;
  /** Estimated tokens a request may take; older steps are condensed to fit. Unlimited when absent. */
  contextBudget?: number;
  /** Replace any of the prompt templates. */
  promptTemplates?: Partial<PromptTemplates>;
  /** A value longer than this is cut (head and tail kept) in the observation. Default 20,000. */
  maxObservationChars?: number;
  /** Stream the model's reply when the model can. Default true. */
  streamOutputs?: boolean;
  /** Options passed to every model call (temperature, maxTokens, ...). */
  generateOptions?: Omit<GenerateOptions, "stopSequences" | "signal" | "tools">;
  /** Needed when this agent is managed by another. */
  name?: string;
  description?: string;
}

/** Options of one {@link CodeAgent.run}. */
export interface AgentRunOptions {
  /** Start from empty memory and a fresh sandbox namespace (default), or continue the conversation. */
  reset?: boolean;
  /** Images for the model, with the task. */
  images?: ImagePart[];
  /** Values the code can use as variables; they are named in the task. */
  additionalArgs?: Record<string, unknown>;
  /** Overrides the agent's maxSteps for this run. */
  maxSteps?: number;
  /** Aborting ends the run (the current code is interrupted) with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_MAX_STEPS = 20;

/**
 * An agent whose actions are Python code. Each step: the model writes code, the sandbox runs it
 * with the tools as functions, and what it prints or returns is the next observation, until the
 * code calls `final_answer`. `run` is built on `stream`, so the two never disagree.
 */
export class CodeAgent {
  readonly model: Model;
  readonly tools: readonly Tool[];
  readonly memory = new AgentMemory();
  readonly name: string | undefined;
  readonly description: string | undefined;
  private readonly options: CodeAgentOptions;
  private readonly templates: PromptTemplates;
  private readonly ownsExecutor: boolean;
  private executor: Executor | undefined;
  private executorReady: Promise<Executor> | undefined;

  constructor(options: CodeAgentOptions) {
    if (!options.model) throw new AgentConfigurationError("CodeAgent needs a model: new CodeAgent({ model, tools }).");
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new AgentConfigurationError(`maxSteps must be a whole number ≥ 1, got ${maxSteps}.`);
    if (options.planningInterval !== undefined && !(Number.isInteger(options.planningInterval) && options.planningInterval >= 1)) {
      throw new AgentConfigurationError(`planningInterval must be a whole number ≥ 1, got ${options.planningInterval}.`);
    }
    const names = new Set<string>();
    for (const tool of options.tools ?? []) {
      if (names.has(tool.name)) throw new AgentConfigurationError(`Two tools are named '${tool.name}'; tool names must be unique.`);
      names.add(tool.name);
    }
    this.options = options;
    this.model = options.model;
    this.tools = options.tools ?? [];
    this.name = options.name;
    this.description = options.description;
    this.templates = { ...defaultCodeAgentTemplates(), ...options.promptTemplates };
    this.ownsExecutor = typeof options.executor !== "object";
    this.memory.systemPrompt = this.systemPrompt();
  }

  /** The system prompt this agent sends. */
  systemPrompt(): string {
    return renderCodeAgentSystemPrompt(this.templates.system, {
      tools: this.tools,
      authorizedImports: this.options.authorizedImports ?? this.options.executorOptions?.authorizedImports,
      instructions: this.options.instructions,
    });
  }

  /** Runs the task to its end and returns the result. Throws only when the model cannot be reached. */
  async run(task: string, options: AgentRunOptions = {}): Promise<RunResult> {
    let result: RunResult | undefined;
    for await (const event of this.stream(task, options)) {
      if (event.type === "run-finish") result = event.result;
    }
    return result!;
  }

  /** Runs the task, yielding every event as it happens; the last is `run-finish`. */
  async *stream(task: string, options: AgentRunOptions = {}): AsyncGenerator<AgentEvent, void, undefined> {
    const channel = new EventChannel<AgentEvent>();
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const running = this.execute(task, { ...options, signal }, (event) => channel.push(event)).then(
      () => channel.close(),
      (error: unknown) => channel.fail(error),
    );
    try {
      yield* channel;
    } finally {
      // The consumer stopped early (break or an error): end the run rather than leave it going.
      stop.abort(new AgentConfigurationError("The event stream was closed before the run finished."));
      await running;
    }
  }

  /** Ends the sandbox this agent created. An executor passed in is left to its owner. */
  async close(): Promise<void> {
    const executor = this.executor;
    this.executor = undefined;
    this.executorReady = undefined;
    if (executor && this.ownsExecutor) await executor.close();
  }

  private async execute(task: string, options: AgentRunOptions & { signal: AbortSignal }, emit: (event: AgentEvent) => void): Promise<void> {
    const started = Date.now();
    const executor = await this.prepareExecutor(options);
    if (options.reset !== false) this.memory.reset();
    this.memory.systemPrompt = this.systemPrompt();
    const firstStepOfRun = this.memory.steps.length;
    const fullTask = options.additionalArgs ? `${task}\n\n${describeAdditionalArgs(options.additionalArgs)}` : task;
    this.memory.steps.push({ type: "task", task: fullTask, ...(options.images?.length ? { images: options.images } : {}) });
    emit({ type: "run-start", task: fullTask, modelId: this.model.modelId });

    const maxSteps = options.maxSteps ?? this.options.maxSteps ?? DEFAULT_MAX_STEPS;
    let stepNumber = this.memory.steps.filter((step) => step.type === "action").length;
    let answer: { output: unknown } | undefined;
    for (let taken = 0; taken < maxSteps && answer === undefined; taken++) {
      options.signal.throwIfAborted();
      stepNumber++;
      if (this.isPlanningStep(taken)) await this.planningStep(fullTask, stepNumber, maxSteps - taken, taken === 0, options.signal, emit);
      const step = await this.actionStep(executor, stepNumber, options.signal, emit);
      if (step.isFinalAnswer) answer = { output: step.output };
    }
    const state = answer === undefined ? "max_steps_error" : "success";
    let lastCallUsage: TokenUsage | undefined;
    if (answer === undefined) {
      const reply = await this.bestAnswerAfterMaxSteps(fullTask, stepNumber + 1, options.signal, emit);
      answer = { output: reply.text };
      lastCallUsage = reply.tokenUsage;
    }

    this.memory.steps.push({ type: "final-answer", output: answer.output, ...(lastCallUsage ? { tokenUsage: lastCallUsage } : {}) });
    emit({ type: "final-answer", output: answer.output });
    const steps = this.memory.steps.slice(firstStepOfRun);
    const result: RunResult = { output: answer.output, state, steps, tokenUsage: totalUsage(steps), durationMs: Date.now() - started };
    emit({ type: "run-finish", result });
  }

  private isPlanningStep(taken: number): boolean {
    const interval = this.options.planningInterval;
    return interval !== undefined && taken % interval === 0;
  }

  private async actionStep(executor: Executor, stepNumber: number, signal: AbortSignal, emit: (event: AgentEvent) => void): Promise<ActionStep> {
    const startedAt = Date.now();
    emit({ type: "step-start", stepNumber, stepType: "action" });
    const step: ActionStep = { type: "action", stepNumber, modelOutput: "", toolCalls: [], timing: { startedAt, durationMs: 0 } };
    const tags = this.options.codeBlockTags ?? DEFAULT_CODE_BLOCK_TAGS;
    try {
      const reply = await this.callModel(this.messages(), { stopSequences: [tags[1], "Observation:", "Calling tools:"] }, stepNumber, signal, emit);
      step.modelOutput = closeCutCodeBlock(reply.text, tags);
      if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;
    } catch (error) {
      // A model that cannot be reached ends the run; the step stays in memory to show where.
      step.error = { type: "ModelCallError", message: error instanceof Error ? error.message : String(error) };
      await this.finishStep(step, emit);
      throw error;
    }

    const code = parseCode(step.modelOutput, tags);
    if (code === undefined) {
      step.error = { type: "AgentParseError", message: missingCodeMessage(tags) };
      emit({ type: "error", stepNumber, error: step.error });
      return this.finishStep(step, emit);
    }
    step.codeAction = code;
    emit({ type: "code", stepNumber, code, language: executor.language });
    const result = await executor.run(code, {
      signal,
      onToolCall: (call) => emit({ type: "tool-call", stepNumber, ...call }),
      onToolResult: (call) => {
        step.toolCalls.push(call);
        emit({ type: "tool-result", stepNumber, call });
      },
    });
    if (result.logs) emit({ type: "logs", stepNumber, text: result.logs });
    // After an error, "printed nothing" would mislead: the error itself is what the model reads.
    const maxObservationChars = this.options.maxObservationChars ?? 20_000;
    if (!result.error || result.logs) step.observations = formatObservation(result, maxObservationChars);
    if (result.error) step.error = { type: result.error.type, message: truncateMiddle(result.error.message, maxObservationChars) };
    else if (result.isFinalAnswer) {
      const rejection = await checkFinalAnswer(this.options.finalAnswerChecks ?? [], result.output, this.memory);
      if (rejection === undefined) {
        step.isFinalAnswer = true;
        step.output = result.output;
      } else step.error = { type: "FinalAnswerRejected", message: rejection };
    } else step.output = result.output;
    if (step.error) emit({ type: "error", stepNumber, error: step.error });
    return this.finishStep(step, emit);
  }

  private async planningStep(
    task: string,
    stepNumber: number,
    remainingSteps: number,
    initial: boolean,
    signal: AbortSignal,
    emit: (event: AgentEvent) => void,
  ): Promise<void> {
    const startedAt = Date.now();
    emit({ type: "step-start", stepNumber, stepType: "planning" });
    const request = initial
      ? renderTemplate(this.templates.planningInitial, { task })
      : renderTemplate(this.templates.planningUpdate, { task, remaining_steps: remainingSteps });
    const history = initial ? [{ role: "system", content: this.memory.systemPrompt } as ChatMessage] : this.messages();
    const reply = await this.callModel([...history, { role: "user", content: request }], { stopSequences: ["<end_plan>"] }, stepNumber, signal, emit);
    const step: PlanningStep = { type: "planning", plan: reply.text.trim(), timing: { startedAt, durationMs: Date.now() - startedAt } };
    if (reply.tokenUsage) step.tokenUsage = reply.tokenUsage;
    this.memory.steps.push(step);
    emit({ type: "plan", stepNumber, plan: step.plan });
    await runStepCallbacks(this.options.stepCallbacks, step, this);
    emit({ type: "step-finish", step });
  }

  /** The steps ran out: the model sees the whole memory once more and gives its best answer. */
  private async bestAnswerAfterMaxSteps(
    task: string,
    stepNumber: number,
    signal: AbortSignal,
    emit: (event: AgentEvent) => void,
  ): Promise<{ text: string; tokenUsage?: TokenUsage }> {
    emit({ type: "step-start", stepNumber, stepType: "final-answer" });
    const request = renderTemplate(this.templates.finalAnswer, { task });
    const whole = memoryToMessages(this.memory.systemPrompt, this.memory.steps);
    const reply = await this.callModel([...whole, { role: "user", content: request }], {}, stepNumber, signal, emit);
    return { ...reply, text: reply.text.trim() };
  }

  private messages(): ChatMessage[] {
    const budget = this.options.contextBudget;
    return memoryToMessages(this.memory.systemPrompt, this.memory.steps, budget === undefined ? {} : { contextBudget: budget });
  }

  private async callModel(
    messages: ChatMessage[],
    options: GenerateOptions,
    stepNumber: number,
    signal: AbortSignal,
    emit: (event: AgentEvent) => void,
  ): Promise<{ text: string; tokenUsage?: TokenUsage }> {
    const started = Date.now();
    const request: GenerateOptions = { ...this.options.generateOptions, ...options, signal };
    let text = "";
    let tokenUsage: TokenUsage | undefined;
    if (this.model.generateStream && this.options.streamOutputs !== false) {
      for await (const delta of this.model.generateStream(messages, request)) {
        if (delta.content) {
          text += delta.content;
          emit({ type: "model-delta", stepNumber, text: delta.content });
        }
        if (delta.tokenUsage) tokenUsage = delta.tokenUsage;
      }
    } else {
      const reply = await this.model.generate(messages, request);
      text = typeof reply.content === "string" ? reply.content : reply.content.map((part) => (part.type === "text" ? part.text : "")).join("");
      tokenUsage = reply.tokenUsage;
    }
    // Models that ignore `stop` must not smuggle a fake observation into memory.
    text = applyStopSequences(text, options.stopSequences);
    emit({ type: "model-output", stepNumber, text, ...(tokenUsage ? { tokenUsage } : {}), durationMs: Date.now() - started });
    return tokenUsage ? { text, tokenUsage } : { text };
  }

  private async finishStep(step: ActionStep, emit: (event: AgentEvent) => void): Promise<ActionStep> {
    step.timing.durationMs = Date.now() - step.timing.startedAt;
    this.memory.steps.push(step);
    await runStepCallbacks(this.options.stepCallbacks, step, this);
    emit({ type: "step-finish", step });
    return step;
  }

  private prepareExecutor(options: AgentRunOptions): Promise<Executor> {
    const prepare = async (): Promise<Executor> => {
      const executor =
        typeof this.options.executor === "object"
          ? this.options.executor
          : new PyodideExecutor({
              ...this.options.executorOptions,
              ...(this.options.authorizedImports ? { authorizedImports: this.options.authorizedImports } : {}),
            });
      this.executor = executor;
      await executor.sendTools([...this.tools]);
      return executor;
    };
    const firstRun = this.executorReady === undefined;
    this.executorReady ??= prepare();
    return this.executorReady.then(async (executor) => {
      // A sandbox handed in may hold another agent's variables: a fresh run starts clean there too.
      if ((!firstRun || !this.ownsExecutor) && options.reset !== false) await executor.reset();
      if (options.additionalArgs) await executor.sendVariables(options.additionalArgs);
      return executor;
    });
  }
}

/** When a stop sequence ended the reply inside a code block, the closing tag is put back. */
function closeCutCodeBlock(text: string, [open, close]: CodeBlockTags): string {
  const lastOpen = text.lastIndexOf(open);
  return lastOpen >= 0 && text.indexOf(close, lastOpen) < 0 ? `${text.replace(/\s+$/, "")}\n${close}` : text;
}

function totalUsage(steps: readonly MemoryStep[]): TokenUsage {
  let total: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const step of steps) if ("tokenUsage" in step) total = addTokenUsage(total, step.tokenUsage);
  return total;
}
