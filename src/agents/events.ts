/**
 * What `agent.stream()` yields, in order, as a run happens. The loop emits these and renders
 * nothing; the CLI and the UI render them, and `--json` prints them as they are.
 */
import type { CodeError } from "../executors/executor.js";
import type { TokenUsage } from "../models/model.js";
import type { ActionStep, PlanningStep, ToolCallRecord } from "./memory-steps.js";
import type { RunResult } from "./run-result.js";

/** A run began. */
export interface RunStartEvent {
  type: "run-start";
  task: string;
  modelId: string;
}

/** A step began: the model is about to be called. */
export interface StepStartEvent {
  type: "step-start";
  stepNumber: number;
  stepType: "action" | "planning" | "final-answer";
}

/** A piece of the model's reply as it streams in. */
export interface ModelDeltaEvent {
  type: "model-delta";
  stepNumber: number;
  text: string;
}

/** The model's whole reply. */
export interface ModelOutputEvent {
  type: "model-output";
  stepNumber: number;
  text: string;
  tokenUsage?: TokenUsage;
  durationMs: number;
}

/** Code parsed from the reply, about to run. */
export interface CodeEvent {
  type: "code";
  stepNumber: number;
  code: string;
  language: "python" | "javascript";
}

/** The code called a tool. */
export interface ToolCallEvent {
  type: "tool-call";
  stepNumber: number;
  name: string;
  arguments: ToolCallRecord["arguments"];
}

/** A tool call returned (or failed). */
export interface ToolResultEvent {
  type: "tool-result";
  stepNumber: number;
  call: ToolCallRecord;
}

/** What the code printed. */
export interface LogsEvent {
  type: "logs";
  stepNumber: number;
  text: string;
}

/** Something in the step went wrong; the run goes on, and the model will see it. */
export interface ErrorEvent {
  type: "error";
  stepNumber: number;
  error: CodeError;
}

/** A plan was written. */
export interface PlanEvent {
  type: "plan";
  stepNumber: number;
  plan: string;
}

/** A step ended; its record is what memory now holds. */
export interface StepFinishEvent {
  type: "step-finish";
  step: ActionStep | PlanningStep;
}

/** The run has its answer. */
export interface FinalAnswerEvent {
  type: "final-answer";
  output: unknown;
}

/** The run ended; `result` is what `run()` returns. */
export interface RunFinishEvent {
  type: "run-finish";
  result: RunResult;
}

/** A tool that needs approval was called; the agent's `onApproval` is deciding. */
export interface ApprovalRequestEvent {
  type: "approval-request";
  stepNumber: number;
  tool: string;
  /** The validated arguments the tool would run with. */
  arguments: Record<string, unknown>;
}

/** The decision on an approval request: the tool runs only when `approved`. */
export interface ApprovalDecisionEvent {
  type: "approval-decision";
  stepNumber: number;
  tool: string;
  approved: boolean;
  /** Why it was refused, when a reason was given. */
  reason?: string;
}

/**
 * Set on the events of a managed agent, forwarded into its manager's stream: which agent, how
 * deep (1 for an agent the top manager called), and the manager's step whose code made the call.
 */
export interface ManagedEventOrigin {
  agent: string;
  depth: number;
  parentStepNumber: number;
}

/** The events one agent emits about its own run. */
export type OwnAgentEvent =
  | RunStartEvent
  | StepStartEvent
  | ModelDeltaEvent
  | ModelOutputEvent
  | CodeEvent
  | ToolCallEvent
  | ToolResultEvent
  | LogsEvent
  | ErrorEvent
  | PlanEvent
  | StepFinishEvent
  | FinalAnswerEvent
  | RunFinishEvent
  | ApprovalRequestEvent
  | ApprovalDecisionEvent;

/**
 * Every event of a run. Events without `managed` are the agent's own; events with it come from a
 * managed agent its code called, nested under that call (a sub-agent's own `run-finish` too).
 */
export type AgentEvent = OwnAgentEvent & { managed?: ManagedEventOrigin };
