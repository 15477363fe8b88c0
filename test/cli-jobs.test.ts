/**
 * The queue commands of the built CLI (`npm run build` first) against a real redis-server and a
 * local OpenAI-compatible model server: a `codeagent worker` process takes what `codeagent
 * enqueue` puts on the queue; `result`, `watch`, `approve` and `cancel` follow and steer the runs;
 * SIGTERM stops a worker gracefully, and an unreachable Redis is one clear line.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { AgentQueue } from "../src/jobs/index.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { BUILT_CLI, runCaptured, spawnCli, type CliOutcome, type SpawnedCli } from "./fixtures/cli/run-cli-captured.js";
import { queueNamer, redisServerForThisFile } from "./support/redis-for-this-file.js";
import { freePort } from "./support/redis-server.mjs";

const modelServer = modelServerForThisFile();
const GUARDED_TOOLS = fileURLToPath(new URL("./fixtures/cli/guarded-tools.mjs", import.meta.url));
const STACK_LINE = /^\s+at /m;

const redisServer = redisServerForThisFile();
const queueName = queueNamer("cli");

/** `codeagent <command> --queue <queue> --redis <test server> ...args`, to its end. */
function cli(command: string, queue: string, ...args: string[]): Promise<CliOutcome> {
  return spawnCli([command, "--queue", queue, "--redis", redisServer().url, ...args]).exited;
}

/** A worker process on `queue` whose agents write JavaScript for quickjs, with a tool that needs approval. */
async function startWorker(queue: string, ...args: string[]): Promise<SpawnedCli> {
  const worker = spawnCli(["worker", "--queue", queue, "--redis", redisServer().url, "--base-url", modelServer().baseURL, "--executor", "quickjs", "--tools", GUARDED_TOOLS, ...args]);
  await worker.waitForOutput((stdout, stderr) => /taking runs from queue|worker-ready/.test(stdout + stderr), 30_000);
  return worker;
}

async function stateOf(queue: string, runId: string, wanted: string): Promise<void> {
  const client = new AgentQueue({ redis: redisServer().url, queue });
  try {
    for (let i = 0; i < 300 && (await client.status(runId)).state !== wanted; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.status(runId)).state).toBe(wanted);
  } finally {
    await client.close();
  }
}

describe("codeagent worker, enqueue, result, watch, approve", () => {
  const queue = queueName();
  let worker: SpawnedCli;
  beforeAll(async () => {
    worker = await startWorker(queue, "--concurrency", "2");
  });
  afterAll(() => {
    if (worker.child.exitCode === null) worker.child.kill("SIGKILL");
  });

  test("a run enqueued is worked on; result --wait prints it completed; watch after the end shows its steps", async () => {
    modelServer().enqueue(
      { kind: "reply", text: 'Thought: compute.\n<code>\nvar x = 6 * 7;\nconsole.log("x is", x);\n</code>' },
      { kind: "reply", text: "Thought: answer.\n<code>\nfinal_answer(x);\n</code>" },
    );
    const enqueued = await cli("enqueue", queue, "What is six times seven?");
    expect(enqueued.code).toBe(0);
    const runId = enqueued.stdout.trim();
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const result = await cli("result", queue, runId, "--wait", "--timeout", "30");
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { runId: string; state: string; result: { output: unknown; actionSteps: number } };
    expect(status).toMatchObject({ runId, state: "completed", task: "What is six times seven?", result: { output: 42, agentState: "success", actionSteps: 2 } });
    expect(worker.stderr()).toContain(`Run ${runId}: What is six times seven?`);

    const watched = await cli("watch", queue, runId);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/● queued\n/);
    expect(watched.stdout).toMatch(/● running on worker [^\n]+:\d+\n/);
    expect(watched.stdout).toContain("Task: What is six times seven?");
    expect(watched.stdout).toMatch(/Step 1 · action[\s\S]*x is 42[\s\S]*Step 2 · action[\s\S]*Final answer[\s\S]*42/);
    expect(watched.stdout.trimEnd().split("\n").at(-1)).toBe("● completed");

    const json = await cli("watch", queue, runId, "--json");
    expect(json.code).toBe(0);
    const events = json.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; state?: string; event?: { type: string } });
    expect(events.filter((event) => event.type === "state").map((event) => event.state)).toEqual(["queued", "running", "completed"]);
    expect(events.filter((event) => event.event?.type === "step-finish")).toHaveLength(2);
  });

  test("a call that needs approval parks the run; approve --refuse decides it, and the code reads the reason", async () => {
    modelServer().enqueue({
      kind: "reply",
      text: '<code>\nvar said;\ntry { said = delete_file({ path: "notes.txt" }); } catch (error) { said = "refused: " + error.message; }\nfinal_answer(said);\n</code>',
    });
    const runId = (await cli("enqueue", queue, "Delete notes.txt.")).stdout.trim();
    await stateOf(queue, runId, "waiting-approval");

    const waiting = await cli("result", queue, runId);
    expect(waiting.code).toBe(3);
    expect(JSON.parse(waiting.stdout)).toMatchObject({ state: "waiting-approval", pendingApproval: { tool: "delete_file", args: { path: "notes.txt" } } });
    const watching = spawnCli(["watch", "--queue", queue, "--redis", redisServer().url, runId]);
    await watching.waitForOutput((stdout) => stdout.includes("● waiting for approval of delete_file"), 15_000);
    expect(watching.stdout()).toContain(`codeagent approve --queue ${queue} --redis ${redisServer().url} ${runId} [--refuse]`);

    const refused = await cli("approve", queue, runId, "--refuse", "--reason", "not on a Friday");
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/^Refused delete_file\(.*notes\.txt.*\); run .* goes on/);
    const again = await cli("approve", queue, runId);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/^Run .* is \S+, not waiting for an approval; nothing to decide\.$/);

    const final = await cli("result", queue, runId, "--wait", "--timeout", "30");
    expect(final.code).toBe(0);
    expect(JSON.parse(final.stdout).result.output).toMatch(/^refused: .*not on a Friday/);
    const watched = await watching.exited;
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/● waiting for approval[\s\S]*● queued[\s\S]*● running on worker[\s\S]*● completed\n$/);
    // The resumed turn's run-start is not drawn as a second run.
    expect(watched.stdout.match(/Task: Delete notes\.txt\./g)).toHaveLength(1);
  });

  test("SIGTERM stops the worker gracefully: exit 0", async () => {
    worker.child.kill("SIGTERM");
    const { code, stderr } = await worker.exited;
    expect(code).toBe(0);
    expect(stderr).toMatch(/SIGTERM: stopping \(no run in progress\)\.\nWorker stopped\.\n$/);
  });
});

describe("stopping runs", () => {
  test("cancel ends a queued run; result and watch then say cancelled, with exit code 1", async () => {
    const queue = queueName();
    const runId = (await cli("enqueue", queue, "Never taken.")).stdout.trim();
    const cancelled = await cli("cancel", queue, runId);
    expect(cancelled).toMatchObject({ code: 0, stdout: "cancelled\n" });
    const result = await cli("result", queue, runId);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: "cancelled" });
    const watched = await cli("watch", queue, runId);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toBe("● queued\n● cancelled: Cancelled while no worker was on it.\n");
    const again = await cli("cancel", queue, runId);
    expect(again).toMatchObject({ code: 0, stdout: "cancelled\n" });
    expect(again.stderr).toContain("had already ended (cancelled)");
  });

  test("SIGTERM while a run is in progress: the worker hands it back to the queue and exits 0 (--json lines)", async () => {
    const queue = queueName();
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer(1);\n</code>", delayMs: 60_000 });
    const worker = await startWorker(queue, "--json", "--shutdown-grace", "1");
    const runId = (await cli("enqueue", queue, "Take your time.")).stdout.trim();
    await worker.waitForOutput((stdout) => stdout.includes('"type":"run-taken"'), 15_000);
    await stateOf(queue, runId, "running");
    worker.child.kill("SIGTERM");
    const { code, stdout } = await worker.exited;
    expect(code).toBe(0);
    const news = stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string });
    expect(news.map((item) => item.type)).toEqual(["worker-ready", "run-taken", "worker-stopping", "worker-stopped"]);
    expect(news[0]).toMatchObject({ queue, redis: redisServer().url, concurrency: 1 });
    expect(news[2]).toMatchObject({ signal: "SIGTERM", running: 1 });
    const status = JSON.parse((await cli("result", queue, runId)).stdout) as { state: string; error: string };
    expect(status.state).toBe("queued");
    expect(status.error).toMatch(/stopped; another worker resumes the run/);
  });
});

describe("errors", () => {
  test("an unreachable Redis is one line that says what to do, exit 1, for clients and workers alike", async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    for (const argv of [
      ["enqueue", "--queue", "q", "--redis", nowhere, "A task."],
      ["worker", "--queue", "q", "--redis", nowhere, "--base-url", "http://127.0.0.1:9/v1", "--executor", "quickjs"],
    ]) {
      const { code, stdout, stderr } = await spawnCli(argv).exited;
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^Cannot reach Redis at ${nowhere}: .*Start redis-server`))]);
      expect(stderr).not.toMatch(STACK_LINE);
    }
  });

  test("an unknown run id is a clear message; a password in the Redis address is not shown", async () => {
    const unknown = await cli("result", queueName(), "no-such-run");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^No run no-such-run in queue 'cli-.*'\. Check the run id and the queue name/);
    const secret = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const { stderr } = await spawnCli(["cancel", "--queue", "q", "--redis", secret, "some-run"]).exited;
    expect(stderr).toContain("Cannot reach Redis at redis://:***@127.0.0.1:");
    expect(stderr).not.toContain("hunter2");
  });

  test("bad command lines are usage errors (exit 2) that say what is wanted", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["result", "some-run"], /result needs the queue's name: --queue <name>/],
      [["enqueue", "--queue", "q", "--tools", "web_search", "A task."], /--tools does not apply to enqueue/],
      [["approve", "--queue", "q"], /approve takes one run id/],
      [["result", "--queue", "q", "--timeout", "5", "r"], /--timeout bounds the wait of --wait/],
      [["worker", "--queue", "q", "--concurrency", "0"], /--concurrency takes a whole number ≥ 1/],
      [["enqueue", "--queue", "bad:name", "A task."], /queue name is needed, without ':'/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await runCaptured(argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(stderr).toMatch(message);
    }
  });

  test("commands that do not use the queue never load bullmq or ioredis", async () => {
    const script = `
      import { createRequire } from "node:module";
      const { runCli } = await import(${JSON.stringify(BUILT_CLI.replace(/main\.js$/, "run-cli.js"))});
      const io = { stdout: { write() {} }, stderr: { write() {} }, stdin: process.stdin, env: {}, cwd: process.cwd() };
      await runCli(["--help"], io);
      await runCli(["exec", "--executor", "quickjs", "1 + 1"], io);
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[\\\\/](bullmq|ioredis)[\\\\/]/.test(path));
      console.log(JSON.stringify(loaded));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
