import type { AgentEvent } from "../agents/events.js";
import type { ActionStep, MemoryStep, PlanningStep, TaskStep } from "../agents/memory-steps.js";
import type { RunResult } from "../agents/run-result.js";
import type { ExecutorLanguage } from "../executors/executor.js";
import { addTokenUsage, type TokenUsage } from "../models/model.js";

/** Options of {@link replayEvents}: what memory does not record. */
export interface ReplayOptions {
  /** Shown in `run-start`. Default `""`. */
  modelId?: string;
  /** The language of the stored code. Default `"python"`. */
  language?: ExecutorLanguage;
}

/**
 * Rebuilds the events of stored runs from memory steps, so that a stored run can be printed again
 * with the same renderer (`agent.memory.replay()`).
 *
 * - a task starts a run (`run-start`);
 * - a planning step gives `step-start`, `model-output`, `plan`, `step-finish`; it is numbered like
 *   the action step that follows it;
 * - an action step gives `step-start`, `model-output`, `code`, a `tool-call` and `tool-result`
 *   per call, `logs` (taken from the observations), `error`, `step-finish`;
 * - a final answer gives `final-answer`, then `run-finish` with a result computed from the run's
 *   steps: state `success` when the last action step called `final_answer`, `max_steps_error`
 *   otherwise; tokens summed; duration from the first step's start to the last step's end.
 *
 * Memory keeps no streamed deltas, no model-call durations (the step's is used) and no
 * separate logs, so those events are approximations of the live ones.
 *
 * @param steps - Memory steps, e.g. `agent.memory.steps`, or parsed back from JSON.
 * @param options - What memory does not record.
 * @returns The events, in the order the loop emits them.
 */
export function replayEvents(steps: readonly MemoryStep[], options: ReplayOptions = {}): AgentEvent[] {
  const language = options.language ?? "python";
  const events: AgentEvent[] = [];
  let runSteps: MemoryStep[] = [];
  let nextStepNumber = 1;
  for (const step of steps) {
    switch (step.type) {
      case "task":
        runSteps = [step];
        events.push(runStartEvent(step, options.modelId ?? ""));
        break;
      case "planning":
        runSteps.push(step);
        events.push(...planningEvents(step, nextStepNumber));
        break;
      case "action":
        runSteps.push(step);
        events.push(...actionEvents(step, language));
        nextStepNumber = step.stepNumber + 1;
        break;
      case "final-answer":
        runSteps.push(step);
        events.push({ type: "final-answer", output: step.output }, { type: "run-finish", result: runResult(runSteps, step.output) });
        runSteps = [];
        break;
    }
  }
  return events;
}

/**
 * The logs inside an action step's observations. Understands the layout
 * `Execution logs:\n<logs>\nLast output from code snippet:\n<output>`: strips the label and cuts
 * before the output; other text is taken as logs entirely.
 *
 * @param observations - `ActionStep.observations`.
 * @returns The logs, possibly empty.
 */
export function logsFromObservations(observations: string | undefined): string {
  if (!observations) return "";
  let logs = observations.replace(/^Execution logs:\n?/, "");
  const outputMarker = /(^|\n)Last output from code snippet:/.exec(logs);
  if (outputMarker) logs = logs.slice(0, outputMarker.index);
  return logs;
}

function runStartEvent(step: TaskStep, modelId: string): AgentEvent {
  return { type: "run-start", task: step.task, modelId };
}

function planningEvents(step: PlanningStep, stepNumber: number): AgentEvent[] {
  return [
    { type: "step-start", stepNumber, stepType: "planning" },
    { type: "model-output", stepNumber, text: step.plan, ...(step.tokenUsage ? { tokenUsage: step.tokenUsage } : {}), durationMs: step.timing.durationMs },
    { type: "plan", stepNumber, plan: step.plan },
    { type: "step-finish", step },
  ];
}

function actionEvents(step: ActionStep, language: ExecutorLanguage): AgentEvent[] {
  const { stepNumber } = step;
  const events: AgentEvent[] = [
    { type: "step-start", stepNumber, stepType: "action" },
    { type: "model-output", stepNumber, text: step.modelOutput, ...(step.tokenUsage ? { tokenUsage: step.tokenUsage } : {}), durationMs: step.timing.durationMs },
  ];
  if (step.codeAction !== undefined) events.push({ type: "code", stepNumber, code: step.codeAction, language });
  for (const call of step.toolCalls) {
    events.push({ type: "tool-call", stepNumber, name: call.name, arguments: call.arguments }, { type: "tool-result", stepNumber, call });
  }
  const logs = logsFromObservations(step.observations);
  if (logs !== "") events.push({ type: "logs", stepNumber, text: logs });
  if (step.error) events.push({ type: "error", stepNumber, error: step.error });
  events.push({ type: "step-finish", step });
  return events;
}

function runResult(steps: MemoryStep[], output: unknown): RunResult {
  const actions = steps.filter((step): step is ActionStep => step.type === "action");
  const timed = steps.filter((step): step is ActionStep | PlanningStep => step.type === "action" || step.type === "planning");
  let tokenUsage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  for (const step of timed) tokenUsage = addTokenUsage(tokenUsage, step.tokenUsage);
  const start = Math.min(...timed.map((step) => step.timing.startedAt));
  const end = Math.max(...timed.map((step) => step.timing.startedAt + step.timing.durationMs));
  return {
    output,
    state: actions.at(-1)?.isFinalAnswer ? "success" : "max_steps_error",
    steps,
    tokenUsage,
    durationMs: timed.length > 0 ? end - start : 0,
  };
}
