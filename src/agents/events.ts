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

/** Every event of a run. */
export type AgentEvent =
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
  | RunFinishEvent;
