/**
 * Durable runs on a real Redis (Debian's redis-server, started here) with in-process workers:
 * results and late watchers, approvals parked with no worker held, a worker handing its runs back
 * on close, cancel, retries of a failing model, malformed jobs, and Redis going away mid-run.
 * The 200-run test across worker processes with a SIGKILL is in jobs-processes.test.ts.
 */
import { Queue } from "bullmq";
import { beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";

import { AgentQueue, AgentWorker, NoPendingApprovalError, RedisUnavailableError, RunNotFoundError, type AgentWorkerOptions, type DurableRunEvent } from "../src/jobs/index.js";
import { tool } from "../src/tools/tool.js";
import { freePort, type RedisServer } from "./support/redis-server.mjs";
import { queueNamer, redisServerForThisFile } from "./support/redis-for-this-file.js";
import { transferTool } from "./support/served-ui.js";
import { StepScriptModel } from "./support/step-script-model.mjs";

const redisServer = redisServerForThisFile();
const queueName = queueNamer("test");
let redis: RedisServer;
beforeAll(() => {
  redis = redisServer();
});

/** A tool with a side effect the test counts. */
function appender(lines: string[]) {
  return tool({
    name: "append_line",
    description: "Appends a line to the log; returns the line's length.",
    inputSchema: z.object({ line: z.string() }),
    execute: ({ line }) => {
      lines.push(line);
      return line.length;
    },
  });
}

/** Three steps: a variable, a side effect, and an answer that needs the variable from step 1. */
function threeSteps(task: string, replyIndex: number): string {
  const n = Number(/job (\d+)/.exec(task)?.[1] ?? 0);
  if (replyIndex === 0) return `<code>\nvar base = ${n} * 10;\nappend_line({ line: "${n}:1" });\n</code>`;
  if (replyIndex === 1) return `<code>\nvar second = append_line({ line: "${n}:2" });\nconsole.log(second);\n</code>`;
  return `<code>\nfinal_answer(base + 7);\n</code>`;
}

async function startWorker(queue: string, lines: string[], options: Partial<AgentWorkerOptions> = {}): Promise<AgentWorker> {
  return await AgentWorker.start({
    redis: redis.url,
    queue,
    agent: { model: new StepScriptModel(threeSteps), executor: "quickjs", tools: [appender(lines)] },
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    ...options,
  });
}

describe("a durable run", () => {
  test("is taken by a worker, its result is read, and a watcher that joins after the end sees every step", async () => {
    const name = queueName();
    const lines: string[] = [];
    const worker = await startWorker(name, lines);
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Do job 4.");
      const status = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
      expect(status).toMatchObject({ runId, state: "completed", task: "Do job 4.", attempts: 1 });
      expect(status.result).toMatchObject({ output: 47, agentState: "success", actionSteps: 3 });
      expect(lines).toEqual(["4:1", "4:2"]);

      const events: DurableRunEvent[] = [];
      for await (const event of queue.watch(runId)) events.push(event);
      const states = events.filter((event) => event.type === "state").map((event) => event.state);
      expect(states).toEqual(["queued", "running", "completed"]);
      const agentTypes = events.flatMap((event) => (event.type === "agent" ? [event.event.type] : []));
      expect(agentTypes.filter((type) => type === "step-finish")).toHaveLength(3);
      expect(agentTypes).not.toContain("model-delta");
      expect(agentTypes.at(-1)).toBe("run-finish");
      await expect(queue.status("no-such-run")).rejects.toThrow(RunNotFoundError);
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  test("bad enqueue options and an unreachable Redis are clear errors", async () => {
    const queue = new AgentQueue({ redis: redis.url, queue: queueName() });
    const nowhere = new AgentQueue({ redis: `redis://127.0.0.1:${await freePort()}`, queue: "q" });
    try {
      await expect(queue.enqueue("x", { maxSteps: 0 })).rejects.toThrow(/maxSteps/);
      await expect(queue.enqueue("x", { bogus: 1 } as never)).rejects.toThrow(/bogus|Unrecognized/);
      await expect(nowhere.enqueue("x")).rejects.toThrow(RedisUnavailableError);
      await expect(nowhere.enqueue("x")).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:\d+\. Start redis-server/);
      const secret = new AgentQueue({ redis: `redis://:s3cret@127.0.0.1:${await freePort()}`, queue: "q" });
      const failure = (await secret.enqueue("x").catch((error: unknown) => error)) as RedisUnavailableError;
      expect(String(failure.message)).not.toContain("s3cret");
      expect(failure.url).toContain(":***@");
      await secret.close();
    } finally {
      await queue.close();
      await nowhere.close();
    }
  });
});

describe("approvals", () => {
  const script = (task: string, replyIndex: number) =>
    replyIndex === 0
      ? `<code>\nvar before = append_line({ line: "before" });\nvar done;\ntry { done = transfer({ amount: 5 }); } catch (error) { done = "refused: " + error.message.slice(0, 40); }\nappend_line({ line: "after" });\n</code>`
      : `<code>\nfinal_answer({ before, done });\n</code>`;

  for (const approved of [true, false]) {
    test(`a call that needs approval parks the run with no worker held; ${approved ? "approving" : "refusing"} it later resumes it`, async () => {
      const name = queueName();
      const lines: string[] = [];
      const calls: number[] = [];
      const worker = await AgentWorker.start({
        redis: redis.url,
        queue: name,
        agent: { model: new StepScriptModel(script), executor: "quickjs", tools: [appender(lines), transferTool(calls)] },
      });
      const queue = new AgentQueue({ redis: redis.url, queue: name });
      try {
        const runId = await queue.enqueue("Pay the bill.");
        let status = await queue.status(runId);
        for (let i = 0; i < 200 && status.state !== "waiting-approval"; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          status = await queue.status(runId);
        }
        expect(status.state).toBe("waiting-approval");
        expect(status.pendingApproval).toEqual({ tool: "transfer", args: { amount: 5 }, stepNumber: 1, callIndex: 1 });
        expect(worker.running).toBe(0);
        expect(calls).toEqual([]);
        expect((await queue.list({ states: ["waiting-approval"] })).map((run) => run.runId)).toEqual([runId]);
        expect(await queue.list({ states: ["completed"] })).toEqual([]);
        await queue.approve(runId, approved ? { approved: true } : { approved: false, reason: "not this month" });
        const decided: DurableRunEvent[] = [];
        for await (const event of queue.watch(runId, { stopAt: Date.now() + 200 })) decided.push(event);
        expect(decided.filter((event) => event.type === "state" && event.state === "queued").at(-1)).toMatchObject({
          reason: approved ? "transfer approved" : "transfer refused: not this month",
        });
        await expect(queue.approve(runId, { approved: true })).rejects.toThrow(NoPendingApprovalError);
        const final = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
        expect(final.state).toBe("completed");
        // The call before the parked one was answered from the journal: 'before' was appended once.
        expect(lines).toEqual(["before", "after"]);
        if (approved) {
          expect(calls).toEqual([5]);
          expect(final.result?.output).toEqual({ before: 6, done: "moved 5" });
        } else {
          expect(calls).toEqual([]);
          expect(final.result?.output).toMatchObject({ before: 6, done: expect.stringContaining("refused") });
        }
        expect(final.attempts).toBe(2);
      } finally {
        await queue.close();
        await worker.close();
      }
    });
  }
});

describe("stopping and failing", () => {
  test("a closing worker hands its run back mid-step; another resumes it, and the call cut off is not made again", async () => {
    const name = queueName();
    const lines: string[] = [];
    const slowCalls: string[] = [];
    // Step 2 waits in a slow tool, so the first worker's close finds it mid-step.
    const slowTool = (label: string, waitMs: number) =>
      tool({
        name: "slow_step",
        description: "Takes a while.",
        inputSchema: z.object({}),
        execute: async (_args, { signal }) => {
          slowCalls.push(label);
          await new Promise((resolve, reject) => {
            const timer = setTimeout(resolve, waitMs);
            signal?.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)));
          });
          return "slept";
        },
      });
    const script = (task: string, replyIndex: number) =>
      [
        `<code>\nvar base = 40;\nappend_line({ line: "one" });\n</code>`,
        `<code>\nappend_line({ line: "two" });\nvar s = slow_step({});\n</code>`,
        `<code>\nfinal_answer(base + 2 + (typeof s === "string" ? s.length : 0));\n</code>`,
      ][replyIndex]!;
    const first = await AgentWorker.start({
      redis: redis.url,
      queue: name,
      agent: { model: new StepScriptModel(script), executor: "quickjs", tools: [appender(lines), slowTool("first", 30_000)] },
      shutdownGraceMs: 300,
    });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    let second: AgentWorker | undefined;
    try {
      const runId = await queue.enqueue("Take your time.");
      for (let i = 0; i < 200 && slowCalls.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines).toEqual(["one", "two"]);
      await first.close();
      const handedBack = await queue.status(runId);
      expect(handedBack.state).toBe("queued");
      expect(handedBack.error).toMatch(/stopped; another worker resumes/);
      second = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(script), executor: "quickjs", tools: [appender(lines), slowTool("second", 0)] } });
      const final = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
      expect(final.state).toBe("completed");
      expect(final.result?.output).toBe(42);
      // Step 2 was resumed from its journal: "two" was not appended again, and the cut-off call
      // reached the code as an error instead of being made a second time.
      expect(lines).toEqual(["one", "two"]);
      expect(slowCalls).toEqual(["first"]);
      const events: DurableRunEvent[] = [];
      for await (const event of queue.watch(runId)) events.push(event);
      const errors = events.flatMap((event) => (event.type === "agent" && event.event.type === "error" ? [event.event.error.message] : []));
      expect(errors.join("\n")).toMatch(/slow_step was cut off/);
    } finally {
      await queue.close();
      await first.close();
      await second?.close();
    }
  });

  test("cancel ends a running run within a second or so, and a queued one at once", async () => {
    const name = queueName();
    const script = (task: string) => (task.includes("forever") ? `<code>\nwhile (true) {}\n</code>` : `<code>\nfinal_answer(1);\n</code>`);
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(script), executor: "quickjs", executorOptions: { timeoutMs: 60_000 } } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const running = await queue.enqueue("Spin forever.");
      const waiting = await queue.enqueue("Wait your turn.");
      for (let i = 0; i < 100 && (await queue.status(running)).state !== "running"; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await queue.cancel(waiting)).toBe("cancelled");
      await queue.cancel(running);
      const final = await queue.result(running, { wait: true, timeoutMs: 15_000 });
      expect(final.state).toBe("cancelled");
      expect((await queue.status(waiting)).state).toBe("cancelled");
      expect(await queue.cancel(running)).toBe("cancelled");
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  test("a model that keeps failing is retried with backoff, then the run fails with the reason; the worker goes on", async () => {
    const name = queueName();
    const worker = await AgentWorker.start({
      redis: redis.url,
      queue: name,
      agent: { model: new StepScriptModel(() => `<code>\nfinal_answer("ok");\n</code>`, { fail: (task) => task.includes("doomed") }), executor: "quickjs" },
    });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const doomed = await queue.enqueue("A doomed task.", { attempts: 2 });
      const fine = await queue.enqueue("A fine task.");
      const final = await queue.result(doomed, { wait: true, timeoutMs: 30_000 });
      expect(final.state).toBe("failed");
      expect(final.error).toMatch(/503/);
      expect(final.attempts).toBe(2);
      expect((await queue.result(fine, { wait: true, timeoutMs: 30_000 })).result?.output).toBe("ok");
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  test("a malformed job fails in BullMQ without crashing the worker, which goes on with real runs", async () => {
    const name = queueName();
    const errors: Error[] = [];
    const worker = await startWorker(name, [], { onError: (error) => errors.push(error) });
    const raw = new Queue(name, { connection: { url: redis.url } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const junk = await raw.add("codeagent-run", { nothing: true });
      const orphan = await raw.add("codeagent-run", { runId: "never-enqueued" });
      const runId = await queue.enqueue("Do job 2.");
      expect((await queue.result(runId, { wait: true, timeoutMs: 30_000 })).result?.output).toBe(27);
      for (const job of [junk, orphan]) {
        const state = await (await raw.getJob(job.id!))!.getState();
        expect(state).toBe("failed");
      }
      expect((await raw.getJob(orphan.id!))!.failedReason).toMatch(/no record/);
    } finally {
      await raw.close();
      await queue.close();
      await worker.close();
    }
  });

  test("a client's call on a frozen Redis fails after commandTimeoutMs instead of hanging", async () => {
    const queue = new AgentQueue({ redis: redis.url, queue: queueName(), commandTimeoutMs: 300 });
    try {
      const runId = await queue.enqueue("Wait.");
      redis.pause();
      await expect(queue.status(runId)).rejects.toThrow(/timed out/i);
    } finally {
      redis.resume();
      await queue.close();
    }
  });

  test("Redis frozen mid-run: the run waits, then finishes with each call made once", async () => {
    const name = queueName();
    const lines: string[] = [];
    const worker = await AgentWorker.start({
      redis: redis.url,
      queue: name,
      agent: { model: new StepScriptModel(threeSteps, { delayMs: 200 }), executor: "quickjs", tools: [appender(lines)] },
      lockDurationMs: 10_000,
    });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Do job 9.");
      for (let i = 0; i < 200 && lines.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      redis.pause();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      redis.resume();
      const final = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
      expect(final.result?.output).toBe(97);
      expect(lines).toEqual(["9:1", "9:2"]);
    } finally {
      redis.resume();
      await queue.close();
      await worker.close();
    }
  });
});

describe("what the attack found", () => {
  test("an approval holds only for the call the person saw: a resumed step that makes another call parks it afresh", async () => {
    const name = queueName();
    const calls: number[] = [];
    // The amount is random, so the replayed step asks for another amount.
    const script = (task: string, replyIndex: number) =>
      replyIndex === 0 ? `<code>\nvar done = transfer({ amount: Math.floor(Math.random() * 1e9) });\n</code>` : `<code>\nfinal_answer(done);\n</code>`;
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(script), executor: "quickjs", tools: [transferTool(calls)] } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    const parked = async (runId: string) => {
      for (let i = 0; i < 200; i++) {
        const status = await queue.status(runId);
        if (status.state === "waiting-approval") return status;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`the run did not park: ${JSON.stringify(await queue.status(runId))}`);
    };
    try {
      const runId = await queue.enqueue("Pay.");
      const first = await parked(runId);
      await queue.approve(runId, { approved: true });
      const second = await parked(runId);
      expect(second.pendingApproval!.args).not.toEqual(first.pendingApproval!.args);
      expect(calls).toEqual([]);
      // Cancel and approve race: a cancelled run cannot be approved back into the queue.
      expect(await queue.cancel(runId)).toBe("cancelled");
      await expect(queue.approve(runId, { approved: true })).rejects.toThrow(NoPendingApprovalError);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await queue.status(runId)).state).toBe("cancelled");
      expect(calls).toEqual([]);
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  test("a model call that fails is not checkpointed as a step: the retry takes the step again, with all its steps left", async () => {
    const name = queueName();
    let calls = 0;
    const flaky = {
      modelId: "flaky",
      async generate(messages: { role: string }[]) {
        calls++;
        // The first call fails with a message holding half an emoji: it must still be recorded.
        if (calls === 1) throw new Error("The server answered 503 \ud83d.");
        return { role: "assistant" as const, content: threeSteps("Do job 5.", messages.filter((message) => message.role === "assistant").length) };
      },
    };
    const lines: string[] = [];
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: flaky, executor: "quickjs", tools: [appender(lines)], maxSteps: 3 } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Do job 5.", { attempts: 2 });
      const final = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
      expect(final.state).toBe("completed");
      expect(final.result).toMatchObject({ output: 57, agentState: "success", actionSteps: 3 });
      expect(lines).toEqual(["5:1", "5:2"]);
    } finally {
      await queue.close();
      await worker.close();
    }
  });

  test("a model error with broken Unicode as the last attempt's reason still ends the run as failed", async () => {
    const name = queueName();
    const broken = { modelId: "broken", generate: async () => Promise.reject(new Error("gateway said \ud83d and died")) };
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: broken, executor: "quickjs" } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Anything.", { attempts: 1 });
      const final = await queue.result(runId, { wait: true, timeoutMs: 30_000 });
      expect(final.state).toBe("failed");
      expect(final.error).toMatch(/gateway said/);
    } finally {
      await queue.close();
      await worker.close();
    }
  });
});

describe("ownership", () => {
  test("an attempt whose run was taken over writes nothing more: its calls are not journaled and it does not end the run", async () => {
    const name = queueName();
    const lines: string[] = [];
    const { Redis } = await import("ioredis");
    const admin = new Redis(redis.url);
    let takenOver = false;
    // When the first call is made, another worker "takes the run over" (its owner changes).
    const stealing = tool({
      name: "append_line",
      description: "Appends a line.",
      inputSchema: z.object({ line: z.string() }),
      execute: async ({ line }) => {
        lines.push(line);
        if (!takenOver) {
          takenOver = true;
          const runKey = (await admin.keys(`codeagent:${name}:*:run`))[0]!;
          await admin.hset(runKey, "owner", "another-worker");
        }
        return line.length;
      },
    });
    const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(threeSteps), executor: "quickjs", tools: [stealing] } });
    const queue = new AgentQueue({ redis: redis.url, queue: name });
    try {
      const runId = await queue.enqueue("Do job 3.");
      for (let i = 0; i < 100 && !takenOver; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const status = await queue.status(runId);
      // The run is still the other worker's: the stopped attempt neither journaled the result nor ended it.
      expect(status.state).toBe("running");
      expect(await admin.hget(`codeagent:${name}:${runId}:run`, "owner")).toBe("another-worker");
      const journal = await admin.lrange(`codeagent:${name}:${runId}:journal:1`, 0, -1);
      expect(journal.map((entry) => JSON.parse(entry).kind)).toEqual(["reply", "call"]);
      expect(lines).toEqual(["3:1"]);
    } finally {
      admin.disconnect();
      await queue.close();
      await worker.close();
    }
  });
});

describe("warm sandboxes", () => {
  test("a worker with warmSandboxes starts that many QuickJS threads ahead of its first run", async () => {
    const { QuickJsExecutor } = await import("../src/executors/quickjs/quickjs-executor.js");
    const { sharedThreadPool } = await import("../src/executors/quickjs/thread-pool.js");
    const name = queueName();
    const worker = await startWorker(name, [], { warmSandboxes: 3 });
    try {
      for (let i = 0; i < 100 && sharedThreadPool.spareSandboxes < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sharedThreadPool.spareSandboxes).toBeGreaterThanOrEqual(3);
    } finally {
      await worker.close();
      await QuickJsExecutor.drainPool();
    }
  });
});
