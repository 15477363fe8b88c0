import { describe, expect, it } from "vitest";

import type { AgentEvent } from "../agents/events.js";
import type { ActionStep, PlanningStep, TaskStep } from "../agents/memory-steps.js";
import type { Spinner } from "./spinner.js";
import { createTerminalRenderer, type TerminalRendererOptions } from "./terminal-renderer.js";

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b/;

const task: TaskStep = { type: "task", task: "What is the mean temperature in Paris this week?" };
const planning: PlanningStep = {
  type: "planning",
  plan: "1. Get the forecast for Paris.\n2. Average the temperatures.\n3. Answer.",
  tokenUsage: { inputTokens: 800, outputTokens: 40 },
  timing: { startedAt: 1_000, durationMs: 900 },
};
const stepOneReply = "Thought: I fetch the forecast and average it.\n<code>\ntemps = get_forecast(city=\"Paris\")\nprint(temps)\nmean = sum(temps) / len([])\n</code>";
const stepOne: ActionStep = {
  type: "action",
  stepNumber: 1,
  modelOutput: stepOneReply,
  codeAction: 'temps = get_forecast(city="Paris")\nprint(temps)\nmean = sum(temps) / len([])',
  observations: "Execution logs:\n[21, 19, 23]\n",
  error: { type: "ZeroDivisionError", message: "division by zero (line 3)" },
  toolCalls: [{ name: "get_forecast", arguments: { args: [], kwargs: { city: "Paris" } }, result: [21, 19, 23], durationMs: 420 }],
  tokenUsage: { inputTokens: 1_234, outputTokens: 56 },
  timing: { startedAt: 2_000, durationMs: 2_345 },
};
const stepTwo: ActionStep = {
  type: "action",
  stepNumber: 2,
  modelOutput: "Thought: Divide by the right length.\n<code>\nfinal_answer(f\"{sum(temps) / len(temps):.1f}°C\")\n</code>",
  codeAction: 'final_answer(f"{sum(temps) / len(temps):.1f}°C")',
  observations: "",
  toolCalls: [],
  tokenUsage: { inputTokens: 1_500, outputTokens: 30 },
  timing: { startedAt: 4_500, durationMs: 1_100 },
  isFinalAnswer: true,
  output: "21.0°C",
};

/** The events of a two-step run with a plan, a tool call, logs, an error and a final answer. */
function sampleRun(): AgentEvent[] {
  return [
    { type: "run-start", task: task.task, modelId: "gpt-4o-mini" },
    { type: "step-start", stepNumber: 1, stepType: "planning" },
    { type: "model-output", stepNumber: 1, text: planning.plan, tokenUsage: planning.tokenUsage, durationMs: 900 },
    { type: "plan", stepNumber: 1, plan: planning.plan },
    { type: "step-finish", step: planning },
    { type: "step-start", stepNumber: 1, stepType: "action" },
    { type: "model-delta", stepNumber: 1, text: "Thought: I fetch the forecast" },
    { type: "model-delta", stepNumber: 1, text: stepOneReply.slice("Thought: I fetch the forecast".length) },
    { type: "model-output", stepNumber: 1, text: stepOneReply, tokenUsage: stepOne.tokenUsage, durationMs: 1_800 },
    { type: "code", stepNumber: 1, code: stepOne.codeAction!, language: "python" },
    { type: "tool-call", stepNumber: 1, name: "get_forecast", arguments: { args: [], kwargs: { city: "Paris" } } },
    { type: "tool-result", stepNumber: 1, call: stepOne.toolCalls[0]! },
    { type: "logs", stepNumber: 1, text: "[21, 19, 23]\n" },
    { type: "error", stepNumber: 1, error: stepOne.error! },
    { type: "step-finish", step: stepOne },
    { type: "step-start", stepNumber: 2, stepType: "action" },
    { type: "model-output", stepNumber: 2, text: stepTwo.modelOutput, tokenUsage: stepTwo.tokenUsage, durationMs: 1_000 },
    { type: "code", stepNumber: 2, code: stepTwo.codeAction!, language: "python" },
    { type: "step-finish", step: stepTwo },
    { type: "final-answer", output: "21.0°C" },
    {
      type: "run-finish",
      result: {
        output: "21.0°C",
        state: "success",
        steps: [task, planning, stepOne, stepTwo, { type: "final-answer", output: "21.0°C" }],
        tokenUsage: { inputTokens: 3_534, outputTokens: 126 },
        durationMs: 4_600,
      },
    },
  ];
}

function renderAll(events: AgentEvent[], options: Partial<TerminalRendererOptions> = {}): string {
  let text = "";
  const renderer = createTerminalRenderer({ write: (chunk) => (text += chunk), spinner: false, now: () => 0, ...options });
  for (const event of events) renderer.render(event);
  renderer.close();
  return text;
}

describe("createTerminalRenderer", () => {
  it("prints every part of a run in plain text", () => {
    const text = renderAll(sampleRun(), { color: false });
    expect(text).toContain("Task: What is the mean temperature in Paris this week?");
    expect(text).toContain("gpt-4o-mini");
    expect(text).toMatch(/━━ Step 1 · planning ━+/);
    expect(text).toContain("1. Get the forecast for Paris.");
    expect(text).toContain("Plan before step 1 · 800 in / 40 out tokens · 0.90s");
    expect(text).toMatch(/━━ Step 1 · action ━+/);
    expect(text).toContain("Code · python");
    expect(text).toContain(`1 │ temps = get_forecast(city="Paris")`);
    expect(text).toContain("3 │ mean = sum(temps) / len([])");
    expect(text).toContain('⚙ get_forecast(city="Paris")');
    expect(text).toContain("Execution logs:\n[21, 19, 23]\n");
    expect(text).toContain("✗ ZeroDivisionError: division by zero (line 3)");
    expect(text).toContain("Step 1 · 1,234 in / 56 out tokens · 2.3s");
    expect(text).toMatch(/━━ Step 2 · action ━+/);
    expect(text).toContain("Step 2 · 1,500 in / 30 out tokens · 1.1s");
    expect(text).toMatch(/Final answer ─+\n│ 21\.0°C\n╰─+/);
    expect(text).toContain("✔ success · 2 steps · 3,660 tokens (3,534 in / 126 out) · 4.6s");
  });

  it("keeps the parts in the order they happened", () => {
    const text = renderAll(sampleRun(), { color: false });
    const order = ["Task:", "Step 1 · planning", "Step 1 · action", "Code · python", "⚙ get_forecast", "Execution logs:", "ZeroDivisionError", "Step 1 · 1,234", "Step 2 · action", "Final answer", "✔ success"];
    const positions = order.map((part) => text.indexOf(part));
    expect(positions).not.toContain(-1);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("writes no ANSI escape when colour is off, and some when it is on", () => {
    expect(renderAll(sampleRun(), { color: false, verbose: true })).not.toMatch(ANSI);
    const coloured = renderAll(sampleRun(), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain("get_forecast");
  });

  it("strips escape sequences the code printed, even with colour on", () => {
    const events: AgentEvent[] = [{ type: "logs", stepNumber: 1, text: "\u001b[31mred\u001b[0m \u001b]0;title\u0007done\u0007\n" }];
    expect(renderAll(events, { color: false })).toBe("Execution logs:\nred done\n");
    expect(renderAll(events, { color: true })).not.toContain("\u001b[31m");
  });

  it("highlights code with colour on and keeps one frame line per code line", () => {
    const code = 'doc = """first\nsecond"""\nprint(doc)  # show it';
    const text = renderAll([{ type: "code", stepNumber: 1, code, language: "python" }], { color: true });
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(text).toContain("\u001b[32m"); // the string, green
    // eslint-disable-next-line no-control-regex
    expect(text.replace(/\u001b\[[0-9;]*m/g, "")).toContain("2 │ second\"\"\"");
  });

  it("highlights JavaScript without changing its text", () => {
    const code = "const ok = a < b && c > d;\nconsole.log(`${ok} &amp;`);";
    const text = renderAll([{ type: "code", stepNumber: 1, code, language: "javascript" }], { color: true });
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toContain("1 │ const ok = a < b && c > d;\n");
    expect(plain).toContain("2 │ console.log(`${ok} &amp;`);\n");
  });

  it("shows only the parsed code by default, and streams the reply and tool results when verbose", () => {
    const quiet = renderAll(sampleRun(), { color: false });
    expect(quiet).not.toContain("Thought: I fetch the forecast");
    expect(quiet).not.toContain("→ [21,19,23]");

    const verbose = renderAll(sampleRun(), { color: false, verbose: true });
    expect(verbose).toContain(`Thought: I fetch the forecast and average it.\n<code>`);
    expect(verbose).toContain("→ [21,19,23] · 0.42s");
    expect(verbose).toContain("Model output:\nThought: Divide by the right length.");
    // The plan is printed once, in its frame, not again as model output.
    expect(verbose.split("1. Get the forecast for Paris.")).toHaveLength(2);
  });

  it("cuts long logs in the middle and says how much", () => {
    const logs = Array.from({ length: 500 }, (_, index) => `line ${index + 1}`).join("\n");
    const text = renderAll([{ type: "logs", stepNumber: 1, text: logs }], { color: false, maxLines: 10 });
    expect(text).toContain("line 1\n");
    expect(text).toContain("line 5\n");
    expect(text).toContain("line 500\n");
    expect(text).not.toContain("line 250\n");
    expect(text).toMatch(/… 490 lines cut \([\d,]+ characters\) …/);
  });

  it("cuts a long output value of a step", () => {
    const step: ActionStep = { ...stepOne, error: undefined, output: "x".repeat(10_000) };
    const text = renderAll([{ type: "step-finish", step }], { color: false, maxChars: 100 });
    expect(text).toContain(`Out: ${"x".repeat(50)}\n… 9,900 characters cut …\n${"x".repeat(50)}\n`);
  });

  it("shows a failed tool call in red terms even when not verbose", () => {
    const call = { name: "get_forecast", arguments: { args: ["Atlantis"], kwargs: {} }, error: "unknown city 'Atlantis'", durationMs: 12 };
    const text = renderAll([{ type: "tool-result", stepNumber: 1, call }], { color: false });
    expect(text).toBe("  ✗ get_forecast failed: unknown city 'Atlantis' · 0.01s\n");
  });

  it("shows the time since the run began in step headings, from the injected clock", () => {
    let time = 0;
    const events: AgentEvent[] = [
      { type: "run-start", task: "t", modelId: "m" },
      { type: "step-start", stepNumber: 1, stepType: "action" },
    ];
    let text = "";
    const renderer = createTerminalRenderer({ write: (chunk) => (text += chunk), now: () => time });
    renderer.render(events[0]!);
    time = 12_000;
    renderer.render(events[1]!);
    expect(text).toMatch(/━━ Step 1 · action ━+ \+12\.0s\n/);
  });

  it("reports max_steps_error in the summary", () => {
    const text = renderAll([
      { type: "run-finish", result: { output: null, state: "max_steps_error", steps: [task, stepOne], tokenUsage: { inputTokens: 1, outputTokens: 2 }, durationMs: 61_000 } },
    ]);
    expect(text).toBe("⚠ max_steps_error · 1 step · 3 tokens (1 in / 2 out) · 1m 01s\n");
  });

  it("marks token counts the model could not report as estimated, per step and in the summary", () => {
    const estimated = { inputTokens: 1_200, outputTokens: 34, estimated: true };
    const text = renderAll([
      { type: "step-finish", step: { ...stepTwo, tokenUsage: estimated } },
      { type: "run-finish", result: { output: "21.0°C", state: "success", steps: [task, stepTwo], tokenUsage: estimated, durationMs: 1_000 } },
    ]);
    expect(text).toContain("Step 2 · ~1,200 in / ~34 out tokens (estimated) · 1.1s");
    expect(text).toContain("✔ success · 1 step · ~1,234 tokens, estimated (1,200 in / 34 out) · 1.0s");
  });

  it("runs a spinner while the model thinks and while code runs, and stops it before printing", () => {
    const log: string[] = [];
    const factory = (label: string): Spinner => ({ start: () => log.push(`start ${label}`), stop: () => log.push(`stop ${label}`) });
    const firstLine = (text: string): string => (text.split("\n").find((line) => line !== "") ?? "").replace(/[━─]+$/, "").trimEnd();
    const renderer = createTerminalRenderer({ write: (text) => log.push(`write ${firstLine(text)}`), spinner: factory });
    renderer.render({ type: "step-start", stepNumber: 1, stepType: "action" });
    renderer.render({ type: "model-delta", stepNumber: 1, text: "Thought" });
    renderer.render({ type: "code", stepNumber: 1, code: "print(1)", language: "python" });
    renderer.render({ type: "logs", stepNumber: 1, text: "1\n" });
    renderer.render({ type: "step-start", stepNumber: 2, stepType: "action" });
    renderer.close();
    expect(log).toEqual([
      "write ━━ Step 1 · action",
      "start Thinking…",
      "stop Thinking…",
      "write ╭─ Code · python",
      "start Running code…",
      "stop Running code…",
      "write Execution logs:",
      "write ━━ Step 2 · action",
      "start Thinking…",
      "stop Thinking…",
    ]);
  });

  it("runs no spinner while user_input waits for the person at the terminal", () => {
    const log: string[] = [];
    const factory = (label: string): Spinner => ({ start: () => log.push(`start ${label}`), stop: () => log.push(`stop ${label}`) });
    const renderer = createTerminalRenderer({ write: () => undefined, spinner: factory });
    renderer.render({ type: "code", stepNumber: 1, code: "user_input('Go on?')", language: "python" });
    renderer.render({ type: "tool-call", stepNumber: 1, name: "user_input", arguments: { args: ["Go on?"], kwargs: {} } });
    expect(log).toEqual(["start Running code…", "stop Running code…"]);
    renderer.render({ type: "tool-call", stepNumber: 1, name: "web_search", arguments: { args: ["tides"], kwargs: {} } });
    expect(log.at(-1)).toBe("start Running web_search…");
    renderer.close();
  });

  it("ends a streamed line on close", () => {
    const text = renderAll([{ type: "model-delta", stepNumber: 1, text: "partial" }], { verbose: true });
    expect(text).toBe("partial\n");
  });
});

describe("a streamed reply with escape sequences cut between deltas", () => {
  it("prints neither the sequences nor their payloads, as if the reply had come whole", () => {
    const reply = "Thought: \u001b]0;payload\u0007hello \u001b]8;;https://payload.example/\u001b\\link\u001b]8;;\u001b\\ \u001b[2Jdone";
    const deltas: AgentEvent[] = [];
    for (let start = 0; start < reply.length; start += 3) deltas.push({ type: "model-delta", stepNumber: 1, text: reply.slice(start, start + 3) });
    const text = renderAll(
      [{ type: "step-start", stepNumber: 1, stepType: "action" }, ...deltas, { type: "model-output", stepNumber: 1, text: reply, durationMs: 1 }],
      { color: false, verbose: true },
    );
    expect(text).toContain("Thought: hello link done\n");
    expect(text).not.toContain("payload");
    expect(text).not.toMatch(ANSI);
  });

  it("indents a managed agent's events under the manager's call, one level per depth", () => {
    const origin = { agent: "researcher", depth: 1, parentStepNumber: 1 };
    const inner = { agent: "fetcher", depth: 2, parentStepNumber: 1 };
    const text = renderAll([
      { type: "run-start", task: "Manage.", modelId: "boss" },
      { type: "step-start", stepNumber: 1, stepType: "action" },
      { type: "code", stepNumber: 1, code: 'researcher(task="dig")', language: "python" },
      { type: "tool-call", stepNumber: 1, name: "researcher", arguments: { args: [], kwargs: { task: "dig" } } },
      { type: "run-start", task: "dig", modelId: "helper", managed: origin },
      { type: "step-start", stepNumber: 1, stepType: "action", managed: origin },
      { type: "code", stepNumber: 1, code: "final_answer(42)", language: "python", managed: origin },
      { type: "logs", stepNumber: 1, text: "deep log line\n", managed: inner },
      { type: "final-answer", output: 42, managed: origin },
      { type: "run-finish", result: { output: 42, state: "success", steps: [], tokenUsage: { inputTokens: 1, outputTokens: 1 }, durationMs: 5 }, managed: origin },
      { type: "step-finish", step: stepTwo },
    ]);
    const lines = text.split("\n");
    const nestedTask = lines.find((line) => line.includes("Task: dig"));
    expect(nestedTask?.startsWith("│ ")).toBe(true);
    expect(lines.find((line) => line.includes("final_answer(42)"))?.startsWith("│ ")).toBe(true);
    expect(lines.find((line) => line.includes("deep log line"))?.startsWith("│ │ ")).toBe(true);
    expect(lines.find((line) => line.includes("Task: Manage."))?.startsWith("│")).toBe(false);
    // The manager's own step footer after the nested run is not indented.
    expect(lines.find((line) => line.startsWith("Step 2 ·"))).toBeDefined();
    expect(text.indexOf("Task: dig")).toBeGreaterThan(text.indexOf("researcher(task="));
  });

  it("shows an approval request and its decision with the reason", () => {
    const text = renderAll([
      { type: "approval-request", stepNumber: 1, tool: "delete_file", arguments: { path: "/tmp/x" } },
      { type: "approval-decision", stepNumber: 1, tool: "delete_file", approved: false, reason: "not that file" },
      { type: "approval-decision", stepNumber: 1, tool: "list_files", approved: true },
    ]);
    expect(text).toContain('delete_file needs approval: delete_file(path="/tmp/x")');
    expect(text).toContain("✗ delete_file refused: not that file");
    expect(text).toContain("✔ list_files approved");
  });

  it("reports an interrupted run in the summary", () => {
    const text = renderAll([{ type: "run-finish", result: { output: null, state: "interrupted", steps: [], tokenUsage: { inputTokens: 0, outputTokens: 0 }, durationMs: 0 } }]);
    expect(text).toContain("⚠ interrupted after a step (run again with reset: false to resume)");
    expect(text).not.toContain("Ctrl-C");
  });
});
