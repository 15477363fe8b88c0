/**
 * Turns the events of an agent's runs into a tree of spans: the run (AGENT), a span per step
 * (CHAIN), per model call (LLM), per code execution (CHAIN) and per tool call (TOOL), with a
 * managed agent's run under its manager's tool call. A run's first model call records every
 * message it sent; each later one only those added since the call before it. It hears events only: the loop knows nothing of it.
 */
import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";

import type { AgentEvent, ManagedEventOrigin } from "../agents/events.js";
import type { ActionStep, PlanningStep, ToolCallRecord } from "../agents/memory-steps.js";
import type { RunListener } from "../agents/multi-step-agent.js";
import type { RunResult } from "../agents/run-result.js";
import type { ChatMessage } from "../models/model.js";
import { messageDelta } from "./new-messages.js";
import * as oi from "./openinference-attributes.js";

/** The open spans of one run (the top agent's, or a managed agent's). */
interface RunSpans {
  span: Span;
  modelId: string;
  /** The manager's tool-call span this run is nested under, for a managed agent. */
  parent?: Span;
  step?: Span;
  /** Whether the step's error was recorded already (from its `error` event). */
  stepErrorRecorded?: boolean;
  code?: Span;
  /** Tool calls that have not returned, by tool name, oldest first (calls may overlap). */
  tools: Map<string, Span[]>;
  /** The messages of the run's previous model call: the next call records only what it adds. */
  sentMessages?: readonly ChatMessage[];
}

/** A {@link RunListener} that records an agent's runs as spans of `tracer`. */
export class SpanTree implements RunListener {
  /** Runs going on, by {@link runKey}; runs not recorded (no tracer provider) never enter. */
  private readonly runs = new Map<string, RunSpans>();
  /**
   * The messages of model calls whose reply has not come, by run key, oldest first. A managed
   * agent's requests come straight from it, its events later through its manager's stream.
   */
  private readonly requests = new Map<string, { stepNumber: number; messages: readonly ChatMessage[] }[]>();

  constructor(
    private readonly tracer: Tracer,
    private readonly agentName: string,
  ) {}

  onEvent(event: AgentEvent): void {
    if (event.type === "run-start") return this.startRun(event.managed, event.task, event.modelId);
    const run = this.runs.get(runKey(event.managed));
    if (run !== undefined) this.record(run, event);
  }

  onModelRequest(stepNumber: number, messages: readonly ChatMessage[]): void {
    this.queueRequest("0", stepNumber, messages);
  }

  /** A listener for an agent the traced one manages, at `depth`: it gives the messages of its model calls. */
  managedListener(agent: string, depth: number): RunListener {
    return { onEvent: () => {}, onModelRequest: (stepNumber, messages) => this.queueRequest(runKey({ agent, depth, parentStepNumber: 0 }), stepNumber, messages) };
  }

  private queueRequest(key: string, stepNumber: number, messages: readonly ChatMessage[]): void {
    // Nothing is being recorded (no tracer provider): nothing is kept.
    if (this.runs.size === 0) return;
    this.requests.set(key, [...(this.requests.get(key) ?? []), { stepNumber, messages }]);
  }

  /** The messages of the call this reply answers: the oldest request of its step (earlier ones had no reply). */
  private takeRequest(key: string, stepNumber: number): readonly ChatMessage[] | undefined {
    const queue = this.requests.get(key) ?? [];
    while (queue.length > 0 && queue[0]!.stepNumber < stepNumber) queue.shift();
    return queue[0]?.stepNumber === stepNumber ? queue.shift()!.messages : undefined;
  }

  onFailure(error: unknown): void {
    // The run threw: every span still open ends with it, the innermost first.
    for (const run of [...this.runs.values()].reverse()) {
      for (const span of openSpans(run)) endWithError(span, error);
    }
    this.runs.clear();
    this.requests.clear();
  }

  private startRun(managed: ManagedEventOrigin | undefined, task: string, modelId: string): void {
    const parent = managed === undefined ? undefined : this.managerToolSpan(managed);
    if (managed !== undefined && parent === undefined) return;
    const name = managed?.agent ?? this.agentName;
    const span = this.tracer.startSpan(
      name,
      { attributes: { ...oi.spanKind(oi.OpenInferenceSpanKind.AGENT), ...oi.agentName(name), ...oi.inputValue(task), "codeagent.model_id": modelId } },
      parent === undefined ? undefined : trace.setSpan(context.active(), parent),
    );
    // Without a tracer provider the span records nothing: the run's events are then skipped for a map lookup each.
    if (!span.isRecording()) return;
    this.runs.set(runKey(managed), { span, modelId, tools: new Map(), ...(parent ? { parent } : {}) });
  }

  /** The open tool-call span of the manager that started this managed run. */
  private managerToolSpan(managed: ManagedEventOrigin): Span | undefined {
    for (const [key, run] of this.runs) {
      if (depthOfKey(key) === managed.depth - 1) {
        const span = run.tools.get(managed.agent)?.[0];
        if (span !== undefined) return span;
      }
    }
    return undefined;
  }

  private record(run: RunSpans, event: Exclude<AgentEvent, { type: "run-start" }>): void {
    switch (event.type) {
      case "step-start": {
        const name = event.stepType === "action" ? `step ${event.stepNumber}` : event.stepType === "planning" ? `planning ${event.stepNumber}` : "final answer";
        run.step = this.child(run.span, name, { ...oi.spanKind(oi.OpenInferenceSpanKind.CHAIN), "codeagent.step.number": event.stepNumber, "codeagent.step.type": event.stepType });
        return;
      }
      case "model-output": {
        const messages = this.takeRequest(runKey(event.managed), event.stepNumber);
        const delta = messages ? messageDelta(run.sentMessages, messages) : undefined;
        if (messages) run.sentMessages = messages;
        const attributes = {
          ...oi.spanKind(oi.OpenInferenceSpanKind.LLM),
          ...oi.modelName(run.modelId),
          ...(delta ? oi.inputMessages(delta.added, delta.omitted) : {}),
          ...oi.outputMessage(event.text),
          ...oi.outputValue(event.text),
        };
        const span = this.child(run.step ?? run.span, "model call", event.tokenUsage ? { ...attributes, ...oi.tokenCounts(event.tokenUsage) } : attributes, Date.now() - event.durationMs);
        span.end();
        return;
      }
      case "code":
        run.code = this.child(run.step ?? run.span, "code execution", { ...oi.spanKind(oi.OpenInferenceSpanKind.CHAIN), ...oi.inputValue(event.code), "codeagent.code.language": event.language });
        return;
      case "tool-call": {
        const span = this.child(run.code ?? run.step ?? run.span, event.name, { ...oi.spanKind(oi.OpenInferenceSpanKind.TOOL), ...oi.toolName(event.name), ...oi.inputValue(event.arguments) });
        run.tools.set(event.name, [...(run.tools.get(event.name) ?? []), span]);
        return;
      }
      case "tool-result":
        return this.finishTool(run, event.call);
      case "logs":
        (run.code ?? run.step ?? run.span).addEvent("logs", { "codeagent.logs": oi.boundedText(event.text) });
        return;
      case "error":
        recordError(run.code ?? run.step ?? run.span, event.error.message, event.error.type);
        run.stepErrorRecorded = true;
        return;
      case "plan":
        run.step?.setAttributes(oi.outputValue(event.plan));
        return;
      case "approval-request":
        (run.tools.get(event.tool)?.at(-1) ?? run.step ?? run.span).addEvent("approval requested", { "codeagent.approval.tool": event.tool });
        return;
      case "approval-decision": {
        const decision: Attributes = { "codeagent.approval.tool": event.tool, "codeagent.approval.approved": event.approved };
        if (event.reason !== undefined) decision["codeagent.approval.reason"] = event.reason;
        (run.tools.get(event.tool)?.at(-1) ?? run.step ?? run.span).addEvent("approval decided", decision);
        return;
      }
      case "step-finish":
        return this.finishStep(run, event.step);
      case "final-answer":
        run.span.setAttributes(oi.outputValue(event.output));
        return;
      case "run-finish":
        return this.finishRun(run, event.managed, event.result);
      case "model-delta":
        return;
    }
  }

  private child(parent: Span, name: string, attributes: Attributes, startTime?: number): Span {
    return this.tracer.startSpan(name, { attributes, ...(startTime === undefined ? {} : { startTime }) }, trace.setSpan(context.active(), parent));
  }

  private finishTool(run: RunSpans, call: ToolCallRecord): void {
    const span = run.tools.get(call.name)?.shift();
    if (span === undefined) return;
    // A managed agent that failed never finished its run: its spans end with the call's error.
    for (const [key, nested] of this.runs) {
      if (nested.parent === span) {
        for (const open of openSpans(nested)) endWithError(open, call.error ?? "The managed agent stopped.");
        this.runs.delete(key);
        this.requests.delete(key);
      }
    }
    if (call.error !== undefined) recordError(span, call.error, "ToolError");
    else span.setAttributes(oi.outputValue(call.result));
    span.end();
  }

  private finishStep(run: RunSpans, step: ActionStep | PlanningStep): void {
    if (step.type === "action") {
      if (step.observations !== undefined) run.code?.setAttributes(oi.outputValue(step.observations));
      if (step.tokenUsage) run.step?.setAttributes(oi.tokenCounts(step.tokenUsage));
      // An error with no `error` event is one that ends the run (the model could not be reached).
      if (step.error && !run.stepErrorRecorded && run.step) recordError(run.step, step.error.message, step.error.type);
    }
    run.code?.end();
    run.step?.end();
    delete run.code;
    delete run.step;
    delete run.stepErrorRecorded;
  }

  private finishRun(run: RunSpans, managed: ManagedEventOrigin | undefined, result: RunResult): void {
    // A final answer given after the steps ran out had its own step: it ends with the run.
    run.step?.end();
    run.span.setAttributes({ ...oi.tokenCounts(result.tokenUsage), "codeagent.run.state": result.state, "codeagent.run.steps": result.steps.length });
    if (result.state === "success") run.span.setStatus({ code: SpanStatusCode.OK });
    else run.span.setStatus({ code: SpanStatusCode.ERROR, message: result.state === "interrupted" ? "The run was interrupted." : "The run ran out of steps." });
    run.span.end();
    this.runs.delete(runKey(managed));
    this.requests.delete(runKey(managed));
  }
}

/** The top agent's run is "0"; a managed agent's is its depth and name (one run of each at a time). */
function runKey(managed: ManagedEventOrigin | undefined): string {
  return managed === undefined ? "0" : `${managed.depth}/${managed.agent}`;
}

function depthOfKey(key: string): number {
  return Number.parseInt(key, 10);
}

/** A run's open spans, the innermost first. */
function openSpans(run: RunSpans): Span[] {
  const tools = [...run.tools.values()].flat();
  return [...tools, ...(run.code ? [run.code] : []), ...(run.step ? [run.step] : []), run.span];
}

function recordError(span: Span, message: string, name: string): void {
  const bounded = oi.boundedText(message);
  span.recordException({ name, message: bounded });
  span.setStatus({ code: SpanStatusCode.ERROR, message: bounded });
}

function endWithError(span: Span, error: unknown): void {
  if (error instanceof Error) recordError(span, error.message, error.name);
  else recordError(span, String(error), "Error");
  span.end();
}
