// The agents the benchmark compares. All get the same model, tools, step limit and task; only the
// kind of action differs. The JavaScript CodeAgent is `new CodeAgent({ ..., language: "javascript" })`.
import { CodeAgent, ScriptedModel, ToolCallingAgent } from "../../dist/index.js";
import { BENCHMARK_TOOLS } from "./tools.mjs";

/** Every agent kind, in the order they run. */
export const AGENT_KINDS = Object.freeze(["python", "javascript", "tool-calling"]);

export const AGENT_LABELS = Object.freeze({
  python: "CodeAgent (Python)",
  javascript: "CodeAgent (JavaScript)",
  "tool-calling": "ToolCallingAgent",
});

/** A fresh agent of `kind`. */
export function createAgent(kind, { model, maxSteps, generateOptions }) {
  const common = { model, tools: BENCHMARK_TOOLS, maxSteps, ...(generateOptions ? { generateOptions } : {}) };
  switch (kind) {
    case "python":
      return new CodeAgent(common);
    case "javascript":
      return new CodeAgent({ ...common, language: "javascript" });
    case "tool-calling":
      return new ToolCallingAgent(common);
    default:
      throw new Error(`Unknown agent kind '${kind}'. Kinds: ${AGENT_KINDS.join(", ")}`);
  }
}

/** Code a probe runs: a tool call and a final answer, valid in its language only. */
const PROBE_CODE = {
  python: 'rate = get_exchange_rate(from_currency="EUR", to_currency="EUR")\nfinal_answer(",".join(str(int(n * 2 * rate)) for n in [1, 2, 3]))',
  javascript: 'const rate = get_exchange_rate({ from_currency: "EUR", to_currency: "EUR" });\nfinal_answer([1, 2, 3].map((n) => n * 2 * rate).join(","));',
};
const PROBE_ANSWER = "2,4,6";

/**
 * Whether agents of `kind` can run here: a code agent must run a scripted snippet of its language
 * in its sandbox, tools included. Resolves to `{ available: false, reason }` instead of throwing,
 * so a build without JavaScript actions (or without a working sandbox) is reported, not fatal.
 */
export async function probeAgentKind(kind) {
  if (!AGENT_KINDS.includes(kind)) return { available: false, reason: `unknown agent kind '${kind}'` };
  if (kind === "tool-calling") return { available: true };
  let agent;
  try {
    const model = new ScriptedModel([`<code>\n${PROBE_CODE[kind]}\n</code>`, "the probe ran out of steps"]);
    agent = createAgent(kind, { model, maxSteps: 1 });
    if (kind === "javascript" && !/javascript/i.test(agent.systemPrompt())) {
      return { available: false, reason: 'this build of CodeAgent ignores `language: "javascript"` (its system prompt is the Python one); rebuild once JavaScript code actions land' };
    }
    let language;
    let result;
    for await (const event of agent.stream("probe")) {
      if (event.type === "code") language = event.language;
      if (event.type === "run-finish") result = event.result;
    }
    if (language !== undefined && language !== kind) return { available: false, reason: `CodeAgent ran the probe as ${language}, not ${kind}` };
    if (result?.state !== "success" || result.output !== PROBE_ANSWER) {
      const failure = result?.steps.find((step) => step.type === "action" && step.error)?.error;
      const detail = failure ? `${failure.type}: ${firstLine(failure.message)}` : `it answered ${JSON.stringify(result?.output)}`;
      return { available: false, reason: `the ${kind} sandbox did not run a probe snippet (${detail})` };
    }
    return { available: true };
  } catch (error) {
    return { available: false, reason: `${error?.name ?? "Error"}: ${firstLine(error?.message ?? String(error))}` };
  } finally {
    await agent?.close().catch(() => {});
  }
}

function firstLine(text) {
  const line = String(text).split("\n")[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
