/**
 * What an agent remembers of a run: typed steps, plain data, serialisable to JSON and back.
 */
import type { CodeError, ExecutedToolCall } from "../executors/executor.js";
import { addTokenUsage, type ImagePart, type TokenUsage } from "../models/model.js";

/** When a step started and how long it took. */
export interface StepTiming {
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
}

/** The task the user gave (one per `run`; a conversation has several). */
export interface TaskStep {
  type: "task";
  task: string;
  images?: ImagePart[];
}

/** A plan the model wrote: at the start and every `planningInterval` steps. */
export interface PlanningStep {
  type: "planning";
  /** The model's plan, as it wrote it. */
  plan: string;
  tokenUsage?: TokenUsage;
  timing: StepTiming;
}

/** A tool call made from the model's code, with its outcome. */
export type ToolCallRecord = ExecutedToolCall;

/** One turn of the loop: the model's reply, the code that ran, what it produced. */
export interface ActionStep {
  type: "action";
  /** 1-based, counted across the whole memory. */
  stepNumber: number;
  /** The model's raw reply. */
  modelOutput: string;
  /** The code that ran, when the reply had any. */
  codeAction?: string;
  /** The logs and the last value, as the model saw them next step. */
  observations?: string;
  /**
   * Images the step produced (returned by a tool, or in the last value or final answer), sent to
   * the model with the observation. Each is a `data:` (or `https:`) URL, so memory stays JSON;
   * the observation names them `[image 1: image/png, 12 KB]`.
   */
  observationImages?: ImagePart[];
  /** What went wrong in this step: no code, a code error, a rejected final answer, ... */
  error?: CodeError;
  toolCalls: ToolCallRecord[];
  tokenUsage?: TokenUsage;
  timing: StepTiming;
  /** Set when the code called `final_answer`. */
  isFinalAnswer?: boolean;
  /**
   * Set when the action itself failed (the model could not be reached, the run was aborted), not
   * the model's code: a run resumed from this memory takes the step again.
   */
  unfinished?: boolean;
  /** The value of the final answer, or of the last expression. */
  output?: unknown;
}

/** The answer a run ended with. */
export interface FinalAnswerStep {
  type: "final-answer";
  output: unknown;
  /** Set when the answer took a last model call (the steps ran out). */
  tokenUsage?: TokenUsage;
}

/** Any step in memory. */
export type MemoryStep = TaskStep | PlanningStep | ActionStep | FinalAnswerStep;

/** Tokens the steps spent, all together. */
export function stepsTokenUsage(steps: readonly MemoryStep[]): TokenUsage {
  let total: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const step of steps) if ("tokenUsage" in step) total = addTokenUsage(total, step.tokenUsage);
  return total;
}
