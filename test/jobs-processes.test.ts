/**
 * The durable-run promise, for real: 200 scripted runs across 3 worker processes on Debian's
 * redis-server, one worker SIGKILLed mid-run. Every run finishes with the right answer, none
 * twice, and the tool with a side effect (a line appended to a file) ran once per call the runs'
 * code made: the runs of the killed worker resumed elsewhere from their checkpoints and journals.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, expect, test } from "vitest";

import { AgentQueue, type DurableRunStatus } from "../src/jobs/index.js";
import { startRedisServer, type RedisServer } from "./support/redis-server.mjs";

const WORKER_SCRIPT = fileURLToPath(new URL("./support/queue-worker.mjs", import.meta.url));
const RUNS = 200;

let redis: RedisServer;
let dir: string;
const workers: ChildProcess[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), "codeagent-jobs-"));
});
afterAll(async () => {
  for (const worker of workers) worker.kill("SIGKILL");
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a worker process; resolves with it once it takes runs. */
async function startWorker(queue: string, linesFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, REDIS_URL: redis.url, QUEUE: queue, CONCURRENCY: "4", LINES_FILE: linesFile, MODEL_DELAY_MS: "15", LOCK_MS: "3000", STALLED_MS: "1000" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the worker process did not start within 20 s")), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`the worker process exited with ${code} before it was ready`)));
  });
  return child;
}

test(`${RUNS} runs across 3 worker processes, one SIGKILLed mid-run: all finish right, none twice, each side effect once`, async () => {
  const queueName = `procs-${process.pid}`;
  const linesFile = join(dir, "lines.txt");
  writeFileSync(linesFile, "");
  const started = await Promise.all([0, 1, 2].map(() => startWorker(queueName, linesFile)));
  const queue = new AgentQueue({ redis: redis.url, queue: queueName });
  try {
    const runIds: string[] = [];
    for (let n = 0; n < RUNS; n++) runIds.push(await queue.enqueue(`Do job ${n}.`));

    // Kill a worker once it is in the middle of runs: some of its runs are mid-step.
    const victim = started[0]!;
    const victimName = `:${victim.pid}`;
    let killedWhileRunning = 0;
    for (let i = 0; i < 400 && killedWhileRunning === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const lines = readFileSync(linesFile, "utf8").split("\n").filter((line) => line.endsWith(` ${victim.pid}`));
      if (lines.length >= 12) {
        victim.kill("SIGKILL");
        killedWhileRunning = lines.length;
      }
    }
    expect(killedWhileRunning).toBeGreaterThan(0);

    const finals: DurableRunStatus[] = [];
    for (const runId of runIds) finals.push(await queue.result(runId, { wait: true, timeoutMs: 120_000 }));
    finals.forEach((status, n) => {
      expect(status.state, `run ${n}: ${status.error ?? ""}`).toBe("completed");
      expect(status.result?.output).toBe(n * 10 + 7);
    });
    // Some runs were taken over from the killed worker (a second attempt).
    const resumed = finals.filter((status) => status.attempts > 1);
    expect(resumed.length).toBeGreaterThan(0);

    // Each run completed once: one "completed" state in its stream.
    for (const runId of runIds.slice(0, 50).concat(resumed.map((status) => status.runId))) {
      let completions = 0;
      for await (const event of queue.watch(runId)) if (event.type === "state" && event.state === "completed") completions++;
      expect(completions).toBe(1);
    }

    // Each call made once: every expected line exactly once. A call the kill cut off between its
    // start and its result is reported to the code, not repeated: its line is there at most once.
    const counts = new Map<string, number>();
    for (const line of readFileSync(linesFile, "utf8").split("\n").filter(Boolean)) {
      const key = line.split(" ")[0]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const duplicated = [...counts].filter(([, count]) => count > 1);
    expect(duplicated).toEqual([]);
    const missing: string[] = [];
    for (let n = 0; n < RUNS; n++) for (const step of [1, 2]) if (!counts.has(`${n}:${step}`)) missing.push(`${n}:${step}`);
    expect(missing.length, `lines missing: ${missing.join(", ")}`).toBeLessThanOrEqual(1);
    console.log(`${RUNS} runs: ${resumed.length} resumed after the kill; ${missing.length} call(s) cut off by it`);
  } finally {
    await queue.close();
  }
}, 180_000);
