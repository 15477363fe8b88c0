/**
 * The agent benchmark harness (bench/agents) end to end: the real OpenAIModel against a local
 * OpenAI-compatible server replaying scripted replies, the real sandboxes and the benchmark's
 * tools; then the task set's answers and checks, and the command line.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { probeAgentKind, releaseSandboxes, runAgentBenchmark, type AgentKind, type AgentSummary, type Availability } from "../bench/agents/harness.mjs";
import { SCRIPTED_TASK_IDS, SCRIPTED_TURNS, type ScriptedTurn } from "../bench/agents/scripted.mjs";
import { TASKS } from "../bench/agents/tasks.mjs";
import { startOpenAICompatibleServer, type ModelTestServer, type ServerBehaviour } from "./support/openai-compatible-server.js";

let server: ModelTestServer;
let directory: string;
let javascript: Availability;

beforeAll(async () => {
  server = await startOpenAICompatibleServer();
  directory = await mkdtemp(join(tmpdir(), "bench-agents-"));
  javascript = await probeAgentKind("javascript");
});

afterAll(async () => {
  await server?.close();
  await rm(directory, { recursive: true, force: true });
  await releaseSandboxes();
});

/** A scripted turn as the server answers it. */
function behaviour(turn: ScriptedTurn): ServerBehaviour {
  if ("error" in turn) return { kind: "error", status: 400, message: turn.error };
  if ("text" in turn) return { kind: "reply", text: turn.text };
  return { kind: "reply", toolCalls: turn.toolCalls.map((call, index) => ({ id: `call_${index + 1}`, name: call.name, arguments: JSON.stringify(call.arguments) })) };
}

function summaryOf(agents: AgentSummary[], kind: AgentKind): Extract<AgentSummary, { available: true }> {
  const summary = agents.find((agent) => agent.kind === kind);
  if (!summary?.available) throw new Error(`${kind} did not run`);
  return summary;
}

describe("runAgentBenchmark against a scripted OpenAI-compatible server", () => {
  test("runs each agent on each task, fresh, and reports success, steps, tokens, a table, a chart and JSON", async () => {
    const kinds: AgentKind[] = javascript.available ? ["python", "javascript", "tool-calling"] : ["python", "tool-calling"];
    // With concurrency 1 the harness runs agent by agent, task by task: the server answers in that order.
    for (const kind of kinds) for (const taskId of SCRIPTED_TASK_IDS) server.enqueue(...SCRIPTED_TURNS[kind][taskId]!.map(behaviour));
    const before = server.requests.length;
    const jsonPath = join(directory, "nested", "results.json");
    const progress: string[] = [];

    const { results, report } = await runAgentBenchmark({
      model: "openai:bench-model",
      baseURL: server.baseURL,
      env: {},
      tasks: SCRIPTED_TASK_IDS,
      agents: ["python", "javascript", "tool-calling"],
      maxSteps: 4,
      concurrency: 1,
      timeoutMs: 20_000,
      jsonPath,
      log: (line) => progress.push(line),
    });

    // Every scripted reply was used, and nothing more was asked.
    const requests = server.requests.slice(before);
    const turns = kinds.flatMap((kind) => SCRIPTED_TASK_IDS.flatMap((taskId) => SCRIPTED_TURNS[kind][taskId]!));
    expect(requests).toHaveLength(turns.length);
    // A fresh agent per task: each run's first request holds only the system prompt and the task.
    const firstRequests = requests.filter((request) => (request.body as { messages: unknown[] }).messages.length === 2);
    expect(firstRequests).toHaveLength(kinds.length * SCRIPTED_TASK_IDS.length);
    const toolCallingBody = requests.at(-1)!.body as { model: string; tools: { function: { name: string } }[] };
    expect(toolCallingBody.model).toBe("bench-model");
    expect(toolCallingBody.tools.map((spec) => spec.function.name)).toEqual([
      "list_products",
      "get_product",
      "list_orders",
      "get_order",
      "get_exchange_rate",
      "get_weather",
      "search_employees",
      "get_employee",
      "final_answer",
    ]);

    const rowsOf = (kind: AgentKind) => results.rows.filter((row) => row.agent === kind);
    expect(results.rows).toHaveLength(kinds.length * SCRIPTED_TASK_IDS.length);
    expect(rowsOf("python").map((row) => [row.task, row.success, row.steps, row.state])).toEqual([
      ["stock-value-p201", true, 1, "success"],
      ["acme-delivered-orders", true, 2, "success"],
      ["manager-of-priya", false, 1, "success"],
    ]);
    expect(rowsOf("python").map((row) => row.toolCalls)).toEqual([1, 6, 1]);
    expect(rowsOf("python").map((row) => row.output)).toEqual([3000, 3, "Priya Nair"]);
    expect(rowsOf("tool-calling").map((row) => [row.task, row.success, row.steps, row.state])).toEqual([
      ["stock-value-p201", true, 2, "success"],
      ["acme-delivered-orders", true, 3, "success"],
      ["manager-of-priya", false, 1, "error"],
    ]);
    const failed = rowsOf("tool-calling")[2]!;
    expect(failed.error?.type).toBe("ModelCallError");
    expect(failed.error?.message).toMatch(/400/);
    for (const row of results.rows.filter((candidate) => candidate.error === null)) {
      expect(row.inputTokens).toBeGreaterThan(0);
      expect(row.outputTokens).toBeGreaterThan(0);
      expect(row.durationMs).toBeGreaterThanOrEqual(0);
    }

    const python = summaryOf(results.agents, "python");
    expect(python).toMatchObject({ runs: 3, successes: 2, errors: 0 });
    expect(python.meanSteps).toBeCloseTo(4 / 3);
    expect(python.versusToolCalling?.tasks).toBe(2);
    expect(python.versusToolCalling?.stepsChange).toBeCloseTo(3 / 5 - 1);
    const toolCalling = summaryOf(results.agents, "tool-calling");
    expect(toolCalling).toMatchObject({ runs: 3, successes: 2, errors: 1, meanSteps: 2.5, versusToolCalling: null });
    expect(toolCalling.meanInputTokens).toBeGreaterThan(0);

    const javascriptSummary = results.agents.find((agent) => agent.kind === "javascript")!;
    if (javascript.available) {
      expect(rowsOf("javascript").map((row) => [row.success, row.steps])).toEqual([[true, 1], [true, 2], [false, 1]]);
    } else {
      expect(javascriptSummary).toMatchObject({ available: false, reason: javascript.reason });
      expect(javascript.reason.length).toBeGreaterThan(0);
      expect(report).toContain(`CodeAgent (JavaScript) unavailable: ${javascript.reason}`);
    }

    for (const label of ["CodeAgent (Python)", "CodeAgent (JavaScript)", "ToolCallingAgent"]) expect(report).toContain(label);
    expect(report).toContain("2/3 67%");
    expect(report).toContain("\u221240% steps");
    expect(report).toMatch(/success rate[\s\S]*steps per task[\s\S]*tokens per task[\s\S]*time per task/);
    expect(report).toMatch(/█/);
    expect(report).toMatch(/manager-of-priya\s+✗ 1/);
    expect(report).not.toMatch(/\x1b\[/); // colour only when asked
    expect(progress.some((line) => line.includes("ToolCallingAgent · manager-of-priya: error (ModelCallError)"))).toBe(true);

    const written = JSON.parse(await readFile(jsonPath, "utf8")) as typeof results;
    expect(written.model).toBe("openai:bench-model");
    expect(written.machine.node).toBe(process.version);
    expect(written.options).toMatchObject({ tasks: [...SCRIPTED_TASK_IDS], maxSteps: 4, concurrency: 1 });
    expect(written.rows).toEqual(results.rows);
    expect(written.agents).toEqual(results.agents);
  });

  test("colours only when asked", async () => {
    server.enqueue(...SCRIPTED_TURNS["tool-calling"]["stock-value-p201"]!.map(behaviour));
    const { report } = await runAgentBenchmark({ model: "openai:m", baseURL: server.baseURL, env: {}, tasks: ["stock-value-p201"], agents: ["tool-calling"], color: true });
    expect(report).toMatch(/\x1b\[/);
  });

  test("bad options fail before anything runs", async () => {
    const before = server.requests.length;
    await expect(runAgentBenchmark({ model: "nope:x", baseURL: server.baseURL, env: {} })).rejects.toThrow(/Unknown model provider/);
    await expect(runAgentBenchmark({ model: "openai:x", env: {} })).rejects.toThrow(/OPENAI_API_KEY/);
    await expect(runAgentBenchmark({ model: "openai:x", baseURL: server.baseURL, env: {}, tasks: ["no-such-task"] })).rejects.toThrow(/Unknown task 'no-such-task'/);
    await expect(runAgentBenchmark({ model: "openai:x", baseURL: server.baseURL, env: {}, agents: ["ruby" as AgentKind] })).rejects.toThrow(/Unknown agent kind/);
    expect(server.requests.length).toBe(before);
  });
});

describe("the task set", () => {
  test("about 30 tasks over three categories, each accepting its own answer and rejecting others", () => {
    expect(TASKS.length).toBeGreaterThanOrEqual(28);
    expect(new Set(TASKS.map((task) => task.id)).size).toBe(TASKS.length);
    expect(new Set(TASKS.map((task) => task.category))).toEqual(new Set(["arithmetic", "lookup", "aggregation"]));
    for (const task of TASKS) {
      expect(task.check(task.answer), task.id).toBe(true);
      expect(task.check(Array.isArray(task.answer) ? task.answer.join(", ") : String(task.answer)), task.id).toBe(true);
      expect(task.check(typeof task.answer === "number" ? task.answer * 2 + 7 : "something else"), task.id).toBe(false);
      expect(task.check(null), task.id).toBe(false);
    }
  });

  test("checks are tolerant of form, not of substance", () => {
    const check = (id: string) => TASKS.find((task) => task.id === id)!.check;
    expect(check("manager-of-priya")("  lena   FISCHER. ")).toBe(true);
    expect(check("manager-of-priya")(["Lena Fischer"])).toBe(true);
    expect(check("manager-of-priya")("Priya Nair")).toBe(false);
    expect(check("parka-price-eur")("198.40 EUR")).toBe(true);
    expect(check("parka-price-eur")(198.4)).toBe(true);
    expect(check("parka-price-eur")(198.41)).toBe(true);
    expect(check("parka-price-eur")(200)).toBe(false);
    expect(check("cancelled-orders-value-usd")("1,876.29")).toBe(true);
    expect(check("cancelled-orders-value-usd")({ total: 1876.3 })).toBe(true);
    expect(check("acme-delivered-orders")("3")).toBe(true);
    expect(check("acme-delivered-orders")("3 or 4")).toBe(false);
    expect(check("acme-delivered-orders")(3.5)).toBe(false);
    expect(check("sales-hired-before-2018")("Mark Hill and Ana Lopez")).toBe(true);
    expect(check("sales-hired-before-2018")(["ana lopez", "mark hill"])).toBe(true);
    expect(check("sales-hired-before-2018")("Ana Lopez")).toBe(false);
    expect(check("sales-hired-before-2018")("Ana Lopez, Mark Hill, Tom Becker")).toBe(false);
  });
});

describe("npm run bench:agents (bench/agents/run.mjs)", () => {
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    promisify(execFile)(process.execPath, ["bench/agents/run.mjs", ...args], { timeout: 30_000, env: { PATH: process.env.PATH, ...env } });

  test("--scripted runs without a model, prints the table and chart, and writes the JSON", async () => {
    const jsonPath = join(directory, "cli.json");
    const { stdout } = await run(["--scripted", "--agents", "tool-calling,javascript", "--json", jsonPath], { NO_COLOR: "1" });
    expect(stdout).toContain("ToolCallingAgent");
    expect(stdout).toContain("CodeAgent (JavaScript)");
    expect(stdout).toContain("success rate");
    expect(stdout).not.toMatch(/\x1b\[/);
    const written = JSON.parse(await readFile(jsonPath, "utf8")) as { model: string; rows: { agent: string; success: boolean }[] };
    expect(written.model).toMatch(/scripted/);
    expect(written.rows.filter((row) => row.agent === "tool-calling").map((row) => row.success)).toEqual([true, true, false]);
  });

  test("without --model it exits 2 and says what to pass", async () => {
    const failure = await run([]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/--model is required/);
  });
});
