// Types of harness.mjs, for TypeScript callers (the test).
import type { GenerateOptions, Model } from "../../src/index.js";
import type { BenchmarkTask } from "./tasks.mjs";

export type AgentKind = "python" | "javascript" | "tool-calling";

export declare const AGENT_KINDS: readonly AgentKind[];
export declare const AGENT_LABELS: Readonly<Record<AgentKind, string>>;

export type Availability = { available: true } | { available: false; reason: string };

/** Whether agents of `kind` run here (a code agent runs a probe snippet in its sandbox). Never throws. */
export declare function probeAgentKind(kind: AgentKind): Promise<Availability>;

/** Ends the warm Python sandboxes the benchmark's agents left, so the process can exit. */
export declare function releaseSandboxes(): Promise<void>;

export interface AgentBenchmarkOptions {
  /** A `provider:id` spec (as the CLI's --model) or a Model shared by every run. */
  model?: string | Model;
  /** The server for a spec'd model, e.g. http://localhost:11434/v1. */
  baseURL?: string;
  /** Where a spec'd model reads its credentials. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** A model for each run, instead of `model` (e.g. scripted replies). */
  createModel?: (kind: AgentKind, task: BenchmarkTask) => Model;
  /** The model's name in the results when `createModel` is given. */
  modelId?: string;
  /** Task ids, in the order to run them. Default: all. */
  tasks?: readonly string[];
  /** Agent kinds, in the order to run them. Default: python, javascript, tool-calling. */
  agents?: readonly AgentKind[];
  /** Action steps per task. Default 10. */
  maxSteps?: number;
  /** Runs at once. Default 1: then runs go agent by agent, task by task, in the orders given. */
  concurrency?: number;
  /** Limit per run; a run over it is an error. Default 600,000. */
  timeoutMs?: number;
  /** Sent with every model call, e.g. { temperature: 0 }. */
  generateOptions?: Omit<GenerateOptions, "stopSequences" | "signal" | "tools">;
  /** Write the results there as JSON. */
  jsonPath?: string;
  /** ANSI colours in the report. Default false. */
  color?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** One run: an agent on a task. */
export interface BenchmarkRow {
  agent: AgentKind;
  task: string;
  category: BenchmarkTask["category"];
  /** A right final answer within the step limit. */
  success: boolean;
  /** How the run ended; `error` when it threw (model unreachable, timeout, broken sandbox). */
  state: "success" | "max_steps_error" | "error";
  /** Action steps (an errored run counts the step that failed). */
  steps: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  /** The final answer, as JSON (cut when long). */
  output: unknown;
  expected: BenchmarkTask["answer"];
  error: { type: string; message: string } | null;
}

export interface VersusToolCalling {
  /** Tasks both this agent and the ToolCallingAgent solved; the changes are over those. */
  tasks: number;
  /** -0.31 means 31 % fewer steps than the ToolCallingAgent. */
  stepsChange: number | null;
  tokensChange: number | null;
}

export type AgentSummary =
  | { kind: AgentKind; label: string; available: false; reason: string }
  | {
      kind: AgentKind;
      label: string;
      available: true;
      runs: number;
      successes: number;
      successRate: number | null;
      errors: number;
      /** Means over the runs that finished without an error; null when none did. */
      meanSteps: number | null;
      meanToolCalls: number | null;
      meanInputTokens: number | null;
      meanOutputTokens: number | null;
      meanDurationMs: number | null;
      /** Null for the ToolCallingAgent itself, or when no task was solved by both. */
      versusToolCalling: VersusToolCalling | null;
    };

export interface AgentBenchmarkResults {
  benchmark: "agents";
  model: string;
  machine: { node: string; cpus: number; cpuModel: string; platform: string; date: string };
  options: { tasks: string[]; agents: AgentKind[]; maxSteps: number; concurrency: number; timeoutMs: number; generateOptions?: AgentBenchmarkOptions["generateOptions"] };
  durationMs: number;
  agents: AgentSummary[];
  rows: BenchmarkRow[];
}

/**
 * Runs every selected task with a fresh agent of each selected kind and summarises. Never throws
 * for a run that fails (it becomes a row with `error`); throws for bad options (unknown task or
 * agent kind, a model spec without credentials).
 */
export declare function runAgentBenchmark(options: AgentBenchmarkOptions): Promise<{ results: AgentBenchmarkResults; report: string }>;
