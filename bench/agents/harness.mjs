// The agent benchmark: every task of the set, run by each kind of agent with the same model,
// tools and step limit. `runAgentBenchmark` returns the results and the report; run.mjs is its
// command line and test/bench-agents.test.ts runs it against a local scripted server.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import { modelFromSpec } from "../../dist/cli/model-from-spec.js";
import { PyodideExecutor } from "../../dist/index.js";
import { machineInfo } from "../report.mjs";
import { AGENT_KINDS, AGENT_LABELS, createAgent, probeAgentKind } from "./agents.mjs";
import { formatReport } from "./report.mjs";
import { summarize } from "./summary.mjs";
import { selectTasks } from "./tasks.mjs";

export { AGENT_KINDS, AGENT_LABELS, probeAgentKind } from "./agents.mjs";

const DEFAULT_MAX_STEPS = 10;
const DEFAULT_TIMEOUT_MS = 600_000;
const OUTPUT_CHARS = 300;

/** Ends the warm Python sandboxes the benchmark's agents left, so the process can exit. */
export function releaseSandboxes() {
  return PyodideExecutor.drainPool();
}

/** Runs the benchmark; harness.d.mts describes the options and the results. */
export async function runAgentBenchmark(options) {
  const tasks = selectTasks(options.tasks);
  const kinds = checkKinds(options.agents ?? AGENT_KINDS);
  const maxSteps = wholeNumber("maxSteps", options.maxSteps ?? DEFAULT_MAX_STEPS);
  const concurrency = wholeNumber("concurrency", options.concurrency ?? 1);
  const timeoutMs = wholeNumber("timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const log = options.log ?? (() => {});
  const { modelId, modelFor } = resolveModel(options);
  const started = Date.now();

  const agents = [];
  for (const kind of kinds) {
    const availability = await probeAgentKind(kind);
    agents.push({ kind, label: AGENT_LABELS[kind], ...availability });
    if (!availability.available) log(`${AGENT_LABELS[kind]} unavailable: ${availability.reason}`);
  }

  const jobs = agents.filter((agent) => agent.available).flatMap((agent) => tasks.map((task) => ({ agent, task })));
  const settings = { modelFor, maxSteps, timeoutMs, generateOptions: options.generateOptions };
  let done = 0;
  const rows = await mapWithConcurrency(jobs, concurrency, async ({ agent, task }) => {
    const row = await runTask(agent.kind, task, settings);
    done++;
    const outcome = row.error !== null ? `error (${row.error.type})` : row.success ? "solved" : "wrong";
    log(`[${done}/${jobs.length}] ${agent.label} · ${task.id}: ${outcome}, ${row.steps} step${row.steps === 1 ? "" : "s"}, ${(row.durationMs / 1000).toFixed(1)} s`);
    return row;
  });

  const results = {
    benchmark: "agents",
    model: modelId,
    machine: machineInfo(),
    options: { tasks: tasks.map((task) => task.id), agents: kinds, maxSteps, concurrency, timeoutMs, ...(options.generateOptions ? { generateOptions: options.generateOptions } : {}) },
    durationMs: Date.now() - started,
    agents: summarize(agents, rows),
    rows,
  };
  if (options.jsonPath) {
    mkdirSync(dirname(options.jsonPath), { recursive: true });
    writeFileSync(options.jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  }
  return { results, report: formatReport(results, { color: options.color ?? false }) };
}

/**
 * One task with a fresh agent. Never throws: a failed model call, a timeout or a broken sandbox
 * becomes the row's `error`, with the steps and tokens spent until then.
 */
async function runTask(kind, task, { modelFor, maxSteps, timeoutMs, generateOptions }) {
  const row = {
    agent: kind,
    task: task.id,
    category: task.category,
    success: false,
    state: "error",
    steps: 0,
    toolCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    durationMs: 0,
    output: null,
    expected: task.answer,
    error: null,
  };
  const started = performance.now();
  let agent;
  try {
    agent = createAgent(kind, { model: modelFor(kind, task), maxSteps, generateOptions });
    const result = await agent.run(task.task, { signal: AbortSignal.timeout(timeoutMs) });
    row.state = result.state;
    row.output = jsonSafe(result.output);
    row.success = result.state === "success" && passes(task, result.output);
    Object.assign(row, countSteps(result.steps));
    row.inputTokens = result.tokenUsage.inputTokens;
    row.outputTokens = result.tokenUsage.outputTokens;
  } catch (error) {
    row.error = { type: error?.name ?? "Error", message: String(error?.message ?? error) };
    if (agent) Object.assign(row, countSteps(agent.memory.steps));
  } finally {
    row.durationMs = Math.round(performance.now() - started);
    await agent?.close().catch(() => {});
  }
  return row;
}

/** Action steps, tool calls and tokens of a run's steps. */
function countSteps(steps) {
  const actions = steps.filter((step) => step.type === "action");
  const usage = steps.map((step) => ("tokenUsage" in step && step.tokenUsage) || { inputTokens: 0, outputTokens: 0 });
  return {
    steps: actions.length,
    toolCalls: actions.reduce((total, step) => total + step.toolCalls.length, 0),
    inputTokens: usage.reduce((total, entry) => total + entry.inputTokens, 0),
    outputTokens: usage.reduce((total, entry) => total + entry.outputTokens, 0),
  };
}

function passes(task, output) {
  try {
    return task.check(output) === true;
  } catch {
    return false;
  }
}

function resolveModel(options) {
  if (options.createModel) return { modelId: options.modelId ?? "custom", modelFor: options.createModel };
  if (typeof options.model === "string") {
    // Built once, to report a bad spec or missing credentials before any task runs.
    const settings = { spec: options.model, supportsStop: true, stream: true, ...(options.baseURL ? { baseURL: options.baseURL } : {}) };
    const env = options.env ?? process.env;
    modelFromSpec(settings, env);
    return { modelId: options.model, modelFor: () => modelFromSpec(settings, env) };
  }
  if (options.model && typeof options.model.generate === "function") return { modelId: options.model.modelId, modelFor: () => options.model };
  throw new TypeError("runAgentBenchmark needs `model` (a 'provider:id' spec or a Model) or `createModel`.");
}

function checkKinds(kinds) {
  const unknown = kinds.filter((kind) => !AGENT_KINDS.includes(kind));
  if (unknown.length > 0) throw new RangeError(`Unknown agent kind(s): ${unknown.join(", ")}. Kinds: ${AGENT_KINDS.join(", ")}.`);
  if (kinds.length === 0) throw new RangeError("No agent kind to run.");
  return [...new Set(kinds)];
}

function wholeNumber(name, value) {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}.`);
  return value;
}

/** A value for the JSON: as is when it is small JSON, otherwise its text, cut. */
function jsonSafe(value) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return String(value).slice(0, OUTPUT_CHARS);
  return text.length <= OUTPUT_CHARS ? JSON.parse(text) : `${text.slice(0, OUTPUT_CHARS)}…`;
}

/** Maps `items` through `work`, at most `limit` at once, keeping their order. */
async function mapWithConcurrency(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
