/**
 * A worker process for the durable-run tests and benchmark: an AgentWorker (from the built
 * package) whose agent runs QuickJS with a scripted model and a tool that appends a line to a
 * file, the side effect that must happen once per call. Configured by environment:
 * REDIS_URL, QUEUE, CONCURRENCY, LINES_FILE, MODEL_DELAY_MS, LOCK_MS, STALLED_MS.
 * Prints "ready <pid>" once it takes runs; SIGTERM closes it gracefully.
 */
import { appendFileSync } from "node:fs";

import { z } from "zod";

import { tool } from "../../dist/index.js";
import { AgentWorker } from "../../dist/jobs/index.js";
import { StepScriptModel } from "./step-script-model.mjs";

const env = process.env;
const linesFile = env.LINES_FILE;

/** Three steps: a variable, two side effects, an answer that needs the variable from step 1. */
function threeSteps(task, replyIndex) {
  const n = Number(/job (\d+)/.exec(task)?.[1] ?? 0);
  if (replyIndex === 0) return `<code>\nvar base = ${n} * 10;\nappend_line({ line: "${n}:1" });\n</code>`;
  if (replyIndex === 1) return `<code>\nvar second = append_line({ line: "${n}:2" });\nconsole.log(second);\n</code>`;
  return `<code>\nfinal_answer(base + 7);\n</code>`;
}

const appendLine = tool({
  name: "append_line",
  description: "Appends a line to the shared file; returns the line's length.",
  inputSchema: z.object({ line: z.string() }),
  execute: ({ line }) => {
    appendFileSync(linesFile, `${line} ${process.pid}\n`);
    return line.length;
  },
});

const worker = await AgentWorker.start({
  redis: env.REDIS_URL,
  queue: env.QUEUE,
  concurrency: Number(env.CONCURRENCY ?? 4),
  lockDurationMs: Number(env.LOCK_MS ?? 3000),
  stalledIntervalMs: Number(env.STALLED_MS ?? 1000),
  agent: { model: new StepScriptModel(threeSteps, { delayMs: Number(env.MODEL_DELAY_MS ?? 0) }), executor: "quickjs", tools: [appendLine] },
  onError: (error) => console.error(`worker error: ${error.message}`),
});
console.log(`ready ${process.pid}`);
process.once("SIGTERM", () => void worker.close().then(() => process.exit(0)));
