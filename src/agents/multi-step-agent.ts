import { AgentConfigurationError } from "../errors.js";
import {
  addTokenUsage,
  applyStopSequences,
  messageText,
  type ChatMessage,
  type GenerateOptions,
  type ImagePart,
  type Model,
  type ModelToolCall,
  type TokenUsage,
} from "../models/model.js";
import type { Tool } from "../tools/tool.js";
import { AgentMemory, type SerializedMemory } from "./agent-memory.js";
import { EventChannel } from "./event-channel.js";
import type { AgentEvent } from "./events.js";
import type { FinalAnswerCheck } from "./final-answer-checks.js";
import { defaultContextBudget, memoryToMessages } from "./memory-messages.js";
import { gateTools, type OnApproval } from "./approval.js";
import { checkManagedAgents, managedAgentTool, type ManagerRunContext } from "./managed-agent-tool.js";
import { stepsTokenUsage, type ActionStep, type MemoryStep, type PlanningStep } from "./memory-steps.js";
import { renderTemplate, type PromptTemplates } from "./prompt-templates.js";
import type { ManagedRun, RunResult, RunState } from "./run-result.js";
import { runStepCallbacks, type StepCallbacks } from "./step-callbacks.js";
import { interceptTools, type ToolCallInterceptor } from "./tool-interceptor.js";
import { RecordedToolCalls, replayableTools } from "./tool-replay.js";

/** Options every agent takes. */
export interface AgentOptions {
  model: Model;
  tools?: Tool[];
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
  /**
   * Estimated tokens a request may take; older steps are condensed to fit. Default: what fits the
   * model's context window (`model.contextWindow`) after room for the reply, with a margin for the
   * estimate (about 4 characters a token); unlimited when the window is unknown. `Infinity`: never
   * condense.
   */
  contextBudget?: number;
  /** Replace any of the prompt templates. */
  promptTemplates?: Partial<PromptTemplates>;
  /** A value longer than this is cut (head and tail kept) in the observation. Default 20,000. */
  maxObservationChars?: number;
  /** Stream the model's reply when the model can. Default true. */
  streamOutputs?: boolean;
  /** Options passed to every model call (temperature, maxTokens, ...). */
  generateOptions?: Omit<GenerateOptions, "stopSequences" | "signal" | "tools">;
  /** Needed when this agent is managed by another: the function name its manager's code calls. */
  name?: string;
  /** Needed when this agent is managed by another: what it is good at, shown to the manager's model. */
  description?: string;
  /**
   * Agents this one can delegate to: each (with a `name` and a `description`) is a function its
   * code calls with a task, `researcher(task="...")`, that returns the agent's final answer.
   */
  managedAgents?: MultiStepAgent[];
  /**
   * Decides on calls of tools that declare `needsApproval`: `true` runs the call, `false` or a
   * reason refuses it (an error the model's code sees). Without it, such calls are refused.
   */
  onApproval?: OnApproval;
  /**
   * Sees every tool call the agent's code makes (managed agents included) before approval is
   * asked: call `next()` to make it, or answer it yourself. Durable runs (`codeagent/jobs`) journal
   * calls here so a run resumed elsewhere never makes one twice.
   */
  interceptToolCalls?: ToolCallInterceptor;
}

/** How a run restored into memory is continued: see {@link AgentRunOptions.resume}. */
export interface ResumeOptions {
  /**
   * Run the code of the action steps in memory again before going on, so the sandbox holds the
   * variables they made. Their tool calls are answered from the results recorded in memory, never
   * made again. Default true. Code that does not repeat itself (random numbers, the clock) may
   * rebuild different values.
   */
  replayCode?: boolean;
  /**
   * The model's reply for the next action step, when it was recorded before the run stopped: it is
   * used instead of asking the model again.
   */
  nextReply?: { text: string; tokenUsage?: TokenUsage };
}

/** Options of one `run`. */
export interface AgentRunOptions {
  /** Start from empty memory and a fresh sandbox namespace (default), or continue the conversation. */
  reset?: boolean;
  /** Images for the model, with the task. */
  images?: ImagePart[];
  /** Values the agent's actions can use; they are named in the task. */
  additionalArgs?: Record<string, unknown>;
  /** Overrides the agent's maxSteps for this run. */
  maxSteps?: number;
  /** Aborting ends the run (the current action is interrupted) with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Continue the run whose task and steps are in memory (loaded with `AgentMemory.fromJSON` and
   * pushed into `agent.memory`, say from a checkpoint): the task is not added again (it must be
   * the memory's last task), the step count goes on from there, and by default the sandbox is
   * rebuilt by replaying the steps' code. Implies `reset: false`.
   */
  resume?: ResumeOptions;
}

/** What a model call produced, streamed or not. */
export interface ModelReply {
  text: string;
  toolCalls?: ModelToolCall[];
  tokenUsage?: TokenUsage;
}

/** Emits an event of the run. */
export type Emit = (event: AgentEvent) => void;

/**
 * Hears every run of an agent from outside the loop (telemetry, logs): each event as it is emitted,
 * its managed agents' included, and the error a run ends with when it throws. Should not throw:
 * what a listener throws is ignored, so it can never change or stop a run.
 */
export interface RunListener {
  onEvent(event: AgentEvent): void;
  onFailure?(error: unknown): void;
  /** The messages of a model call about to be made (this agent's own calls; not in events, which stay small). */
  onModelRequest?(stepNumber: number, messages: readonly ChatMessage[]): void;
}

const DEFAULT_MAX_STEPS = 20;

/**
 * The loop every agent shares: task → (plan) → action steps until a final answer or the step
 * limit → the answer. Subclasses say what an action is (`takeAction`) and what the system prompt
 * says; the loop renders nothing and reports everything as events.
 */
export abstract class MultiStepAgent {
  readonly model: Model;
  readonly tools: readonly Tool[];
  readonly memory = new AgentMemory();
  readonly name: string | undefined;
  readonly description: string | undefined;
  /** The agents this one delegates to. */
  readonly managedAgents: readonly MultiStepAgent[];
  protected readonly templates: PromptTemplates;
  private readonly settings: AgentOptions;
  /** The run going on: where events go, the step, the managed agents' runs so far. */
  private live: (ManagerRunContext & { managedRuns: ManagedRun[] }) | undefined;
  private interruptRequested = false;
  private readonly listeners = new Set<RunListener>();
  /** The task of the last run, when it was interrupted: resuming it does not repeat it in memory. */
  private interruptedTask: string | undefined;
  /** The recorded calls of the step whose code is being replayed, while one is. */
  private replaying: RecordedToolCalls | undefined;
  /** A recorded reply to use for the action step numbered so, instead of calling the model. */
  private recordedReply: { stepNumber: number; text: string; tokenUsage?: TokenUsage } | undefined;

  protected constructor(options: AgentOptions, defaultTemplates: PromptTemplates) {
    if (!options.model) throw new AgentConfigurationError(`${new.target.name} needs a model: new ${new.target.name}({ model, tools }).`);
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
    this.managedAgents = options.managedAgents ?? [];
    checkManagedAgents(this.managedAgents, [...names]);
    const delegates = this.managedAgents.map((agent) => managedAgentTool(agent, () => this.live));
    this.settings = options;
    this.model = options.model;
    // Tools that need approval are gated here, so every sandbox gets the gate and none knows of it.
    // Outermost first: a replayed call is answered from memory before anything else sees it, and
    // the interceptor sees a call before its approval is asked.
    const gated = gateTools([...(options.tools ?? []), ...delegates], options.onApproval, () => this.live);
    const intercepted = interceptTools(gated, options.interceptToolCalls, () => this.live?.stepNumber ?? 0);
    this.tools = replayableTools(intercepted, () => this.replaying);
    this.name = options.name;
    this.description = options.description;
    this.templates = { ...defaultTemplates, ...options.promptTemplates };
  }

  /** The system prompt this agent sends. */
  abstract systemPrompt(): string;

  /** Ends what the agent holds (its sandbox). */
  abstract close(): Promise<void>;

  /** Gets ready for a run: resources, variables. Called before the task enters memory. */
  protected abstract prepareRun(options: AgentRunOptions): Promise<void>;

  /**
   * Rebuilds what the steps of a restored memory left in the sandbox; nothing by default (an agent
   * without a sandbox has nothing to rebuild). Implementations run each step's code inside
   * {@link replayStep}.
   */
  protected async restoreSandbox(_steps: readonly ActionStep[], _signal: AbortSignal): Promise<void> {}

  /** Runs `replay` with `step`'s tool calls answered from its record. */
  protected async replayStep<T>(step: ActionStep, replay: () => Promise<T>): Promise<T> {
    this.replaying = new RecordedToolCalls(step);
    if (this.live) this.live.stepNumber = step.stepNumber;
    try {
      return await replay();
    } finally {
      this.replaying = undefined;
    }
  }

  /**
   * One action: ask the model, act on its reply, and fill in `step` (modelOutput, observations,
   * error, toolCalls, isFinalAnswer and output). Mistakes of the model go into `step.error`;
   * only a failed model call throws.
   */
  protected abstract takeAction(step: ActionStep, signal: AbortSignal, emit: Emit): Promise<void>;

  /** Runs the task to its end and returns the result. Throws only when the model cannot be reached. */
  async run(task: string, options: AgentRunOptions = {}): Promise<RunResult> {
    let result: RunResult | undefined;
    for await (const event of this.stream(task, options)) {
      if (event.type === "run-finish" && event.managed === undefined) result = event.result;
    }
    return result!;
  }

  /**
   * Stops the run going on after its current step (and the managed agents it is waiting on after
   * theirs). The run ends with state `"interrupted"`; `run(task, { reset: false })` resumes with
   * memory and sandbox state intact. Nothing happens when no run is going on.
   */
  interrupt(): void {
    if (this.live === undefined) return;
    this.interruptRequested = true;
    for (const agent of this.managedAgents) agent.interrupt();
  }

  /**
   * Takes a saved memory (`JSON.stringify(agent.memory)`, its parsed object, or an `AgentMemory`)
   * in place of this agent's, and rebuilds the sandbox by running the code of its action steps
   * again, each tool call answered from the result recorded in memory, never made again. Then
   * `run(task, { reset: false })` continues the conversation with a new task.
   */
  async restore(saved: AgentMemory | SerializedMemory | string, options: { replayCode?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (this.live !== undefined) throw new AgentConfigurationError("This agent is running a task; restore a memory before a run or after it ends.");
    const memory = saved instanceof AgentMemory ? saved : AgentMemory.fromJSON(saved);
    // A fresh sandbox: what an earlier run left there is not part of the restored memory.
    await this.prepareRun({});
    this.memory.reset();
    this.memory.steps.push(...memory.steps);
    if (options.replayCode !== false) await this.replayMemoryCode(options.signal ?? new AbortController().signal);
  }

  /** Adds a listener to every run from now on; returns a function that removes it. */
  addRunListener(listener: RunListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Calls each listener. A listener that throws (a broken tracer or span processor) is ignored:
   * listeners only watch, so they must never end, fail or hang a run, and there is nowhere to
   * report to that would not itself disturb the run's output.
   */
  private tellListeners(call: (listener: RunListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch {
        // Deliberately swallowed: see above.
      }
    }
  }

  /** Runs the task, yielding every event as it happens; the last is `run-finish`. */
  async *stream(task: string, options: AgentRunOptions = {}): AsyncGenerator<AgentEvent, void, undefined> {
    const channel = new EventChannel<AgentEvent>();
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const emit: Emit = (event) => {
      channel.push(event);
      this.tellListeners((listener) => listener.onEvent(event));
    };
    const running = this.execute(task, { ...options, signal }, emit).then(
      () => channel.close(),
      (error: unknown) => {
        this.tellListeners((listener) => listener.onFailure?.(error));
        channel.fail(error);
      },
    );
    try {
      yield* channel;
    } finally {
      // The consumer stopped early (break or an error): end the run rather than leave it going.
      stop.abort(new AgentConfigurationError("The event stream was closed before the run finished."));
      await running;
    }
  }

  /** Settings shared by every agent, for subclasses. */
  protected get options(): AgentOptions {
    return this.settings;
  }

  /** The messages for the next model call: memory, within the context budget. */
  protected messages(): ChatMessage[] {
    const budget = this.contextBudget;
    return memoryToMessages(this.memory.systemPrompt, this.memory.steps, budget === undefined ? {} : { contextBudget: budget });
  }

  /** The estimated tokens a request may take: the option, else what fits the model's context window. */
  get contextBudget(): number | undefined {
    const budget = this.settings.contextBudget ?? defaultContextBudget(this.model.contextWindow, this.settings.generateOptions?.maxTokens);
    return budget === Number.POSITIVE_INFINITY ? undefined : budget;
  }

  /** The observation limit for values. */
  protected get maxObservationChars(): number {
    return this.settings.maxObservationChars ?? 20_000;
  }

  /** Calls the model (streaming when it can), emitting deltas and the whole reply. */
  protected async callModel(messages: ChatMessage[], options: GenerateOptions, stepNumber: number, signal: AbortSignal, emit: Emit): Promise<ModelReply> {
    const started = Date.now();
    const recorded = this.recordedReply;
    if (recorded !== undefined && recorded.stepNumber === stepNumber) {
      this.recordedReply = undefined;
      // The step keeps the reply's tokens; the event does not repeat them: they were spent, and
      // reported, when the reply was made.
      emit({ type: "model-output", stepNumber, text: recorded.text, durationMs: 0 });
      return { text: recorded.text, ...(recorded.tokenUsage ? { tokenUsage: recorded.tokenUsage } : {}) };
    }
    const request: GenerateOptions = { ...this.settings.generateOptions, ...options, signal };
    this.tellListeners((listener) => listener.onModelRequest?.(stepNumber, messages));
    let reply: ModelReply;
    if (this.model.generateStream && this.settings.streamOutputs !== false) {
      reply = await this.collectStream(this.model.generateStream(messages, request), stepNumber, emit);
    } else {
      const message = await this.model.generate(messages, request);
      reply = { text: messageText(message.content) };
      if (message.toolCalls?.length) reply.toolCalls = message.toolCalls;
      if (message.tokenUsage) reply.tokenUsage = message.tokenUsage;
    }
    // Models that ignore `stop` must not smuggle a made-up observation into memory.
    reply.text = applyStopSequences(reply.text, options.stopSequences);
    emit({ type: "model-output", stepNumber, text: reply.text, ...(reply.tokenUsage ? { tokenUsage: reply.tokenUsage } : {}), durationMs: Date.now() - started });
    return reply;
  }

  private async collectStream(stream: AsyncIterable<import("../models/model.js").ChatMessageStreamDelta>, stepNumber: number, emit: Emit): Promise<ModelReply> {
    let text = "";
    let tokenUsage: TokenUsage | undefined;
    const calls = new Map<number, { id: string; name: string; argumentsText: string }>();
    for await (const delta of stream) {
      if (delta.content) {
        text += delta.content;
        emit({ type: "model-delta", stepNumber, text: delta.content });
      }
      for (const part of delta.toolCalls ?? []) {
        const call = calls.get(part.index) ?? { id: "", name: "", argumentsText: "" };
        if (part.id) call.id = part.id;
        if (part.name) call.name += part.name;
        if (part.argumentsDelta) call.argumentsText += part.argumentsDelta;
        calls.set(part.index, call);
      }
      if (delta.tokenUsage) tokenUsage = delta.tokenUsage;
    }
    const reply: ModelReply = { text };
    if (calls.size > 0) {
      reply.toolCalls = [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, call]) => ({ id: call.id || `call_${index}`, name: call.name, arguments: parseArguments(call.argumentsText) }));
    }
    if (tokenUsage) reply.tokenUsage = tokenUsage;
    return reply;
  }

  private async execute(task: string, options: AgentRunOptions & { signal: AbortSignal }, emit: Emit): Promise<void> {
    if (this.live !== undefined) {
      throw new AgentConfigurationError(
        "This agent is already running a task: an agent has one memory and one sandbox, so it runs one task at a time. Wait for the run to end, or use another agent.",
      );
    }
    const managedRuns: ManagedRun[] = [];
    this.live = { emit, stepNumber: 0, managedRuns, recordManagedRun: (run) => managedRuns.push(run), interruptRequested: () => this.interruptRequested };
    this.interruptRequested = false;
    try {
      await this.executeRun(task, options, emit, managedRuns);
    } finally {
      this.live = undefined;
      this.interruptRequested = false;
      this.recordedReply = undefined;
    }
  }

  private async executeRun(task: string, options: AgentRunOptions & { signal: AbortSignal }, emit: Emit, managedRuns: ManagedRun[]): Promise<void> {
    const started = Date.now();
    const restoring = options.resume !== undefined;
    if (restoring) {
      options = { ...options, reset: false };
      // A step whose action failed (the model could not be reached) is taken again.
      while ((this.memory.steps.at(-1) as ActionStep | undefined)?.unfinished === true) this.memory.steps.pop();
    }
    await this.prepareRun(options);
    if (options.reset !== false) this.memory.reset();
    this.memory.systemPrompt = this.systemPrompt();
    const fullTask = options.additionalArgs ? `${task}\n\n${this.describeAdditionalArgs(options.additionalArgs)}` : task;
    const lastTask = this.memory.steps.findLastIndex((step) => step.type === "task");
    if (restoring && (lastTask < 0 || (this.memory.steps[lastTask] as { task: string }).task !== fullTask)) {
      throw new AgentConfigurationError("resume continues the task the memory ends with: pass that task (and the same additionalArgs), or run without resume to start a new one.");
    }
    // Resuming an interrupted run with the same task: the task is in memory already.
    const resuming = restoring || (options.reset === false && this.interruptedTask === fullTask && !options.images?.length);
    this.interruptedTask = undefined;
    const firstStepOfRun = restoring ? lastTask : this.memory.steps.length;
    if (!resuming) this.memory.steps.push({ type: "task", task: fullTask, ...(options.images?.length ? { images: options.images } : {}) });
    emit({ type: "run-start", task: fullTask, modelId: this.model.modelId });

    const maxSteps = options.maxSteps ?? this.settings.maxSteps ?? DEFAULT_MAX_STEPS;
    let stepNumber = this.memory.steps.filter((step) => step.type === "action").length;
    // A restored run goes on with the steps it has left, and plans again only when one is due.
    const takenBefore = restoring ? this.memory.steps.slice(lastTask).filter((step) => step.type === "action").length : 0;
    if (options.resume) await this.prepareResume(options.resume, stepNumber, options.signal);
    let answer: { output: unknown } | undefined;
    // A run restored after its final answer was given (but before it was recorded as ended) ends with it.
    const lastOfRun = restoring ? this.memory.steps.at(-1) : undefined;
    if (lastOfRun?.type === "action" && lastOfRun.isFinalAnswer) answer = { output: lastOfRun.output };
    // A plan made for the step being resumed is in memory already.
    const planMade = restoring && lastOfRun?.type === "planning";
    let interrupted = false;
    for (let taken = takenBefore; taken < maxSteps && answer === undefined && !interrupted; taken++) {
      options.signal.throwIfAborted();
      stepNumber++;
      this.live!.stepNumber = stepNumber;
      const planned = planMade && taken === takenBefore;
      if (this.isPlanningStep(taken) && !planned) await this.planningStep(fullTask, stepNumber, maxSteps - taken, taken === 0, options.signal, emit);
      const step = await this.actionStep(stepNumber, options.signal, emit);
      if (step.isFinalAnswer) answer = { output: step.output };
      else interrupted = this.interruptRequested;
    }
    let state: RunState = answer === undefined ? "max_steps_error" : "success";
    if (interrupted) {
      // No answer and no final-answer step: memory ends with the last step, ready to resume from.
      state = "interrupted";
      answer = { output: null };
      this.interruptedTask = fullTask;
    } else {
      let lastCallUsage: TokenUsage | undefined;
      if (answer === undefined) {
        const reply = await this.bestAnswerAfterMaxSteps(fullTask, stepNumber + 1, options.signal, emit);
        answer = { output: reply.text };
        lastCallUsage = reply.tokenUsage;
      }
      this.memory.steps.push({ type: "final-answer", output: answer.output, ...(lastCallUsage ? { tokenUsage: lastCallUsage } : {}) });
      emit({ type: "final-answer", output: answer.output });
    }
    const steps = this.memory.steps.slice(firstStepOfRun);
    let tokenUsage = stepsTokenUsage(steps);
    for (const run of managedRuns) tokenUsage = addTokenUsage(tokenUsage, run.tokenUsage);
    const result: RunResult = { output: answer!.output, state, steps, tokenUsage, durationMs: Date.now() - started, managedRuns };
    emit({ type: "run-finish", result });
  }

  /** Rebuilds the sandbox of a restored memory and sets aside the recorded reply of its next step. */
  private async prepareResume(resume: ResumeOptions, stepsInMemory: number, signal: AbortSignal): Promise<void> {
    if (resume.replayCode !== false) await this.replayMemoryCode(signal);
    if (resume.nextReply !== undefined) this.recordedReply = { stepNumber: stepsInMemory + 1, ...resume.nextReply };
  }

  private async replayMemoryCode(signal: AbortSignal): Promise<void> {
    await this.restoreSandbox(
      this.memory.steps.filter((step: MemoryStep): step is ActionStep => step.type === "action"),
      signal,
    );
  }

  /** How the values of `additionalArgs` are announced in the task. */
  protected abstract describeAdditionalArgs(args: Record<string, unknown>): string;

  private isPlanningStep(taken: number): boolean {
    const interval = this.settings.planningInterval;
    return interval !== undefined && taken % interval === 0;
  }

  private async actionStep(stepNumber: number, signal: AbortSignal, emit: Emit): Promise<ActionStep> {
    emit({ type: "step-start", stepNumber, stepType: "action" });
    const step: ActionStep = { type: "action", stepNumber, modelOutput: "", toolCalls: [], timing: { startedAt: Date.now(), durationMs: 0 } };
    try {
      await this.takeAction(step, signal, emit);
    } catch (error) {
      // A model that cannot be reached, or an abort, ends the run; the step stays in memory to show where.
      step.error = { type: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) };
      step.unfinished = true;
      await this.finishStep(step, emit);
      throw error;
    }
    if (step.error) emit({ type: "error", stepNumber, error: step.error });
    return this.finishStep(step, emit);
  }

  private async planningStep(task: string, stepNumber: number, remainingSteps: number, initial: boolean, signal: AbortSignal, emit: Emit): Promise<void> {
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
    await runStepCallbacks(this.settings.stepCallbacks, step, this);
    emit({ type: "step-finish", step });
  }

  /** The steps ran out: the model sees the whole memory once more and gives its best answer. */
  private async bestAnswerAfterMaxSteps(task: string, stepNumber: number, signal: AbortSignal, emit: Emit): Promise<ModelReply> {
    emit({ type: "step-start", stepNumber, stepType: "final-answer" });
    const request = renderTemplate(this.templates.finalAnswer, { task });
    const whole = memoryToMessages(this.memory.systemPrompt, this.memory.steps);
    const reply = await this.callModel([...whole, { role: "user", content: request }], {}, stepNumber, signal, emit);
    return { ...reply, text: reply.text.trim() };
  }

  private async finishStep(step: ActionStep, emit: Emit): Promise<ActionStep> {
    step.timing.durationMs = Date.now() - step.timing.startedAt;
    this.memory.steps.push(step);
    await runStepCallbacks(this.settings.stepCallbacks, step, this);
    emit({ type: "step-finish", step });
    return step;
  }
}

/** Tool-call arguments as the model wrote them: parsed JSON when they parse, else the raw text. */
function parseArguments(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

