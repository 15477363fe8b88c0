/**
 * `codeagent worker`: takes runs from a queue and works on `--concurrency` of them at a time, each
 * with an agent made from the flags as a local run's is, in a sandbox from a warm pool. It runs until SIGTERM or Ctrl-C, then
 * lets its runs go on for the grace time and hands the rest back to the queue, for another worker
 * to resume, and exits 0. It says what it does on stderr, or as JSON lines on stdout (`--json`).
 */
import { hostname } from "node:os";

import { CodeAgent } from "../agents/code-agent.js";
import { AgentWorker } from "../jobs/index.js";
import { formatInline } from "../render/format-value.js";
import { safeJsonStringify } from "../render/safe-json.js";
import { escapeJsonForTerminal, sanitizeText } from "../render/sanitize-text.js";
import { EXIT, type CliIO } from "./cli-io.js";
import type { JobCommand } from "./job-arguments.js";
import { agentOptionsFromSettings, withFlagAgent } from "./run-agent.js";
import { hidePassword, redisAddressShown } from "./redis-address.js";

type WorkerCommand = Extract<JobCommand, { kind: "worker" }>;

/** What the worker reports; `--json` prints these as they are. */
type WorkerNews =
  | { type: "worker-ready"; worker: string; queue: string; redis: string; concurrency: number }
  | { type: "run-taken"; runId: string; task: string }
  | { type: "worker-error"; message: string }
  | { type: "worker-stopping"; signal: string; running: number }
  | { type: "worker-stopped" };

/** Works on the queue's runs until stopped; resolves to the exit code. */
export async function runWorker(command: WorkerCommand, io: CliIO): Promise<number> {
  const tell = reporter(command, io);
  const name = `${hostname()}:${process.pid}`;
  return await withFlagAgent(command, io, async ({ model, tools }) => {
    const flagOptions = agentOptionsFromSettings(command, model, tools);
    // Unlike a one-off run, a worker keeps warm sandboxes: one ready per run it may work on at once.
    const options = { ...flagOptions, executorOptions: { ...flagOptions.executorOptions, usePool: true } };
    const worker = await AgentWorker.start({
      redis: command.redis,
      queue: command.queue,
      name,
      concurrency: command.concurrency,
      ...(command.lockDurationMs === undefined ? {} : { lockDurationMs: command.lockDurationMs }),
      ...(command.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: command.shutdownGraceMs }),
      agent: ({ runId, task }) => {
        tell({ type: "run-taken", runId, task });
        return options;
      },
      onError: (error) => tell({ type: "worker-error", message: hidePassword(error.message, command.redis) }),
    });
    CodeAgent.prewarm(options, command.concurrency).catch((error: unknown) => tell({ type: "worker-error", message: `Could not start warm sandboxes: ${error instanceof Error ? error.message : String(error)}` }));
    tell({ type: "worker-ready", worker: name, queue: command.queue, redis: redisAddressShown(command.redis), concurrency: command.concurrency });
    const signal = await untilStopped(io);
    tell({ type: "worker-stopping", signal, running: worker.running });
    await worker.close();
    tell({ type: "worker-stopped" });
    return EXIT.success;
  });
}

/** Resolves with the signal's name when SIGTERM or Ctrl-C (SIGINT) asks the worker to stop. */
function untilStopped(io: CliIO): Promise<string> {
  return new Promise((resolve) => {
    if (io.signal?.aborted === true) return resolve("SIGINT");
    const finish = (signal: string) => {
      stopListening?.();
      io.signal?.removeEventListener("abort", onInterrupt);
      resolve(signal);
    };
    const onInterrupt = () => finish("SIGINT");
    const stopListening = io.onTerminate?.(() => finish("SIGTERM"));
    io.signal?.addEventListener("abort", onInterrupt, { once: true });
  });
}

function reporter(command: WorkerCommand, io: CliIO): (news: WorkerNews) => void {
  if (command.json) return (news) => void io.stdout.write(`${escapeJsonForTerminal(safeJsonStringify(news) ?? "{}")}\n`);
  return (news) => void io.stderr.write(`${sanitizeText(describe(news, command))}\n`);
}

function describe(news: WorkerNews, command: WorkerCommand): string {
  switch (news.type) {
    case "worker-ready": {
      const runs = news.concurrency === 1 ? "1 run" : `${news.concurrency} runs`;
      return (
        `codeagent worker ${news.worker}: taking runs from queue '${news.queue}' on ${news.redis}, ${runs} at a time ` +
        `(model ${command.model.spec}, ${command.sandbox.language} in the ${command.sandbox.executor} sandbox). SIGTERM or Ctrl-C stops it.`
      );
    }
    case "run-taken":
      return `Run ${news.runId}: ${formatInline(news.task, 100)}`;
    case "worker-error":
      return `Worker error: ${news.message}`;
    case "worker-stopping": {
      const running = news.running === 0 ? "no run in progress" : `${news.running} run${news.running === 1 ? "" : "s"} in progress finish or go back to the queue`;
      return `${news.signal}: stopping (${running}).`;
    }
    case "worker-stopped":
      return "Worker stopped.";
  }
}
