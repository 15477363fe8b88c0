// `npm run bench:agents -- --model <provider:id> [options]`: runs the task set with CodeAgent
// (Python), CodeAgent (JavaScript) and ToolCallingAgent on your model, prints a table and a chart,
// and writes the results as JSON. `--scripted` runs three tasks on scripted replies, no model needed.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { shouldUseColor } from "../../dist/render/index.js";
import { AGENT_KINDS, releaseSandboxes, runAgentBenchmark } from "./harness.mjs";
import { SCRIPTED_TASK_IDS, scriptedModel } from "./scripted.mjs";
import { TASKS } from "./tasks.mjs";

const HELP = `Usage: npm run bench:agents -- --model <provider:id> [options]

  --model <provider:id>   The model, e.g. openai:gpt-4o-mini (OPENAI_API_KEY) or openai:qwen2.5-coder
                          with --base-url. Required unless --scripted.
  --base-url <url>        An OpenAI-compatible server, e.g. http://localhost:11434/v1
  --tasks <id,id,...>     Only these tasks (default: all ${TASKS.length}; --list-tasks shows them)
  --agents <kind,...>     Any of ${AGENT_KINDS.join(", ")} (default: all)
  --max-steps <n>         Action steps per task (default 10)
  --concurrency <n>       Tasks run at once (default 1)
  --timeout <seconds>     Limit per task (default 600)
  --temperature <t>       Sent with every model call (default: the server's)
  --json <file>           Where to write the results (default bench/agents/results.json)
  --scripted              Run the scripted tasks on scripted replies, to try the harness
  --list-tasks            Print the tasks and exit
`;

const DEFAULT_JSON = fileURLToPath(new URL("./results.json", import.meta.url));

let parsed;
try {
  parsed = parseArgs({
    options: {
      model: { type: "string" },
      "base-url": { type: "string" },
      tasks: { type: "string" },
      agents: { type: "string" },
      "max-steps": { type: "string" },
      concurrency: { type: "string" },
      timeout: { type: "string" },
      temperature: { type: "string" },
      json: { type: "string" },
      scripted: { type: "boolean" },
      "list-tasks": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  }).values;
} catch (error) {
  usageError(error.message);
}

if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (parsed["list-tasks"]) {
  for (const task of TASKS) process.stdout.write(`${task.id.padEnd(36)} ${task.category.padEnd(12)} ${task.task}\n`);
  process.exit(0);
}
if (!parsed.model && !parsed.scripted) usageError("--model is required, e.g. --model openai:gpt-4o-mini (or --scripted to try the harness without a model).");

const list = (text) => text?.split(",").map((item) => item.trim()).filter((item) => item !== "");
const number = (flag, text, parse = Number) => {
  if (text === undefined) return undefined;
  const value = parse(text);
  if (!Number.isFinite(value)) usageError(`${flag} needs a number, got '${text}'.`);
  return value;
};

const options = {
  tasks: list(parsed.tasks) ?? (parsed.scripted ? [...SCRIPTED_TASK_IDS] : undefined),
  agents: list(parsed.agents),
  maxSteps: number("--max-steps", parsed["max-steps"]),
  concurrency: number("--concurrency", parsed.concurrency),
  timeoutMs: parsed.timeout === undefined ? undefined : Math.round(number("--timeout", parsed.timeout) * 1000),
  jsonPath: resolve(parsed.json ?? DEFAULT_JSON),
  color: shouldUseColor(process.stdout, process.env),
  log: (line) => process.stderr.write(`${line}\n`),
  ...(parsed.temperature !== undefined ? { generateOptions: { temperature: number("--temperature", parsed.temperature) } } : {}),
  ...(parsed.scripted
    ? { createModel: (kind, task) => scriptedModel(kind, task.id), modelId: "scripted (ScriptedModel replies)" }
    : { model: parsed.model, ...(parsed["base-url"] ? { baseURL: parsed["base-url"] } : {}) }),
};
for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];

try {
  const { report } = await runAgentBenchmark(options);
  process.stdout.write(`\n${report}`);
  process.stdout.write(`\nResults written to ${options.jsonPath}\n`);
} catch (error) {
  if (error?.name === "UsageError" || error instanceof RangeError) usageError(error.message);
  process.stderr.write(`bench:agents failed: ${error?.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  await releaseSandboxes();
}

function usageError(message) {
  process.stderr.write(`${message}\n\n${HELP}`);
  process.exit(2);
}
