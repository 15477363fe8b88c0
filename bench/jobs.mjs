// Durable runs on a queue (BullMQ on Debian's redis-server, started here): runs per second per
// worker process, and how long a run waits after its worker is SIGKILLed before another worker
// resumes it and finishes it. Workers are test/support/queue-worker.mjs: QuickJS, a scripted model
// (three steps, two side-effect tool calls), concurrency 4.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { AgentQueue } from "../dist/jobs/index.js";
import { startRedisServer } from "../test/support/redis-server.mjs";
import { row } from "./report.mjs";
import { median } from "./stats.mjs";

const WORKER_SCRIPT = fileURLToPath(new URL("../test/support/queue-worker.mjs", import.meta.url));
const LOCK_MS = 3_000;
const STALLED_MS = 1_000;

export async function benchJobs({ quick, log }) {
  const redis = await startRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "codeagent-bench-jobs-"));
  const children = new Set();
  const startWorker = (queue, env = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [WORKER_SCRIPT], {
        env: { ...process.env, REDIS_URL: redis.url, QUEUE: queue, CONCURRENCY: "4", LINES_FILE: join(dir, `${queue}.txt`), LOCK_MS: String(LOCK_MS), STALLED_MS: String(STALLED_MS), ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.add(child);
      child.once("exit", () => children.delete(child));
      child.stdout.on("data", (chunk) => (chunk.toString().includes("ready") ? resolve(child) : undefined));
      child.once("error", reject);
    });
  try {
    const rows = [];
    for (const workerCount of [1, 3]) {
      const runs = quick ? 40 : 150;
      const queueName = `throughput-${workerCount}`;
      writeFileSync(join(dir, `${queueName}.txt`), "");
      const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(queueName)));
      const queue = new AgentQueue({ redis: redis.url, queue: queueName });
      const started = performance.now();
      const ids = [];
      for (let n = 0; n < runs; n++) ids.push(await queue.enqueue(`Do job ${n}.`));
      for (const id of ids) {
        const status = await queue.result(id, { wait: true, timeoutMs: 300_000 });
        if (status.state !== "completed") throw new Error(`run ${id} ended ${status.state}: ${status.error}`);
      }
      const seconds = (performance.now() - started) / 1000;
      log(`${runs} runs on ${workerCount} worker(s) in ${seconds.toFixed(1)} s`);
      rows.push(row(`runs per second per worker (${workerCount} worker process${workerCount > 1 ? "es" : ""}, 3-step runs, concurrency 4, QuickJS)`, runs / seconds / workerCount, "runs/s"));
      await queue.close();
      for (const worker of workers) worker.kill("SIGTERM");
    }

    // Resume after a kill: a run is mid-way (its model takes 1 s a step) when its worker is SIGKILLed.
    const takeovers = [];
    const finishes = [];
    for (let i = 0; i < (quick ? 2 : 5); i++) {
      const queueName = `resume-${i}`;
      const linesFile = join(dir, `${queueName}.txt`);
      writeFileSync(linesFile, "");
      const first = await startWorker(queueName, { MODEL_DELAY_MS: "1000" });
      const queue = new AgentQueue({ redis: redis.url, queue: queueName });
      const id = await queue.enqueue(`Do job ${i}.`);
      while (!readFileSync(linesFile, "utf8").includes(`${i}:1`)) await new Promise((resolve) => setTimeout(resolve, 20));
      first.kill("SIGKILL");
      const killedAt = performance.now();
      await startWorker(queueName, { MODEL_DELAY_MS: "1000" });
      let tookOverAt;
      for await (const event of queue.watch(id)) {
        if (event.type === "state" && event.state === "running" && tookOverAt === undefined && (await queue.status(id)).attempts > 1) tookOverAt = performance.now();
      }
      const finishedAt = performance.now();
      const status = await queue.status(id);
      if (status.state !== "completed" || status.result?.output !== i * 10 + 7) throw new Error(`resumed run ended ${status.state}: ${JSON.stringify(status.result)}`);
      takeovers.push((tookOverAt ?? finishedAt) - killedAt);
      finishes.push(finishedAt - killedAt);
      await queue.close();
      for (const child of children) child.kill("SIGTERM");
    }
    rows.push(row(`resume latency after SIGKILL: kill → another worker takes the run (lock ${LOCK_MS / 1000} s, stalled check every ${STALLED_MS / 1000} s), median`, median(takeovers), "ms"));
    rows.push(row("kill → resumed run completed (2 steps left, model 1 s a step), median", median(finishes), "ms"));
    return rows;
  } finally {
    for (const child of children) child.kill("SIGKILL");
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
