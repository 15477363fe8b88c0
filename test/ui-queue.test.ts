/**
 * The web UI's queue of durable runs over HTTP, against a real redis-server and an in-process
 * AgentWorker (QuickJS sandbox, StepScriptModel): the list shows a parked run's call, approving it
 * lets the run complete and its events stream from the start, refusing and cancel work, the
 * guards apply, an unreachable Redis is a JSON error, and the UI module never loads bullmq.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CodeAgent } from "../src/agents/code-agent.js";
import { AgentQueue, AgentWorker } from "../src/jobs/index.js";
import { ScriptedModel } from "../src/models/scripted-model.js";
import { addQueueRoutes } from "../src/ui/queue-routes.js";
import { createUiServer, type UiRunQueue, type UiServer, type UiServerOptions } from "../src/ui/index.js";
import { freePort, startRedisServer, type RedisServer } from "./support/redis-server.mjs";
import { payScript, transferTool } from "./support/served-ui.js";
import { StepScriptModel } from "./support/step-script-model.mjs";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const auth = { Authorization: "Bearer queue-token" };
const json = { ...auth, "Content-Type": "application/json" };

let queueCount = 0;

/** A fresh queue with a worker on it, and a UI showing it. */
async function queueAndUi(calls: number[] = [], more: Pick<UiServerOptions, "keepAliveMs"> = {}): Promise<{ ui: UiServer; queue: AgentQueue }> {
  const name = `ui-${process.pid}-${++queueCount}`;
  const worker = await AgentWorker.start({ redis: redis.url, queue: name, agent: { model: new StepScriptModel(payScript), executor: "quickjs", tools: [transferTool(calls)] } });
  closers.push(() => worker.close());
  const queue = new AgentQueue({ redis: redis.url, queue: name });
  closers.push(() => queue.close());
  const ui = uiWith({ queue, queueName: name, ...more });
  return { ui, queue };
}

function uiWith(options: Pick<UiServerOptions, "queue" | "queueName" | "keepAliveMs">): UiServer {
  const ui = createUiServer({
    token: "queue-token",
    createAgent: ({ onApproval }) => new CodeAgent({ model: new ScriptedModel([]), executor: "quickjs", onApproval }),
    ...options,
  });
  closers.push(() => ui.close());
  return ui;
}

async function call(ui: UiServer, path: string, init: RequestInit = {}): Promise<Response> {
  return await ui.app.fetch(new Request(`http://127.0.0.1${path}`, init));
}

async function callJson(ui: UiServer, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await call(ui, path, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface ListedRun {
  runId: string;
  state: string;
  task: string;
  attempts: number;
  updatedAt: number;
  final: boolean;
  pendingApproval?: { tool: string; args: Record<string, unknown> };
  result?: unknown;
}

async function waitForState(ui: UiServer, runId: string, state: string): Promise<ListedRun> {
  for (let i = 0; i < 300; i++) {
    const { body } = await callJson(ui, `/api/queue/runs/${runId}`, { headers: auth });
    if (body["state"] === state) return body as unknown as ListedRun;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Run ${runId} did not reach ${state}: ${JSON.stringify((await callJson(ui, `/api/queue/runs/${runId}`, { headers: auth })).body)}`);
}

interface SseEvent {
  id?: string;
  event: { type: string; [field: string]: unknown };
}

/** What a page following a run reads: an event, or a comment line (a keep-alive). */
type StreamItem = SseEvent | { comment: string };

/** Follows a run's event stream as a page does; `next` is the next event or comment, undefined at its end. */
async function followRun(ui: UiServer, runId: string, lastEventId?: string): Promise<{ next(): Promise<StreamItem | undefined> }> {
  const response = await call(ui, `/api/queue/runs/${runId}/events`, { headers: { ...auth, ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) } });
  expect(response.headers.get("Content-Type")).toContain("text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const items: StreamItem[] = [];
  let buffer = "";
  return {
    async next() {
      while (items.length === 0) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += value;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const data = /^data: (.*)$/m.exec(block)?.[1];
          const id = /^id: (.*)$/m.exec(block)?.[1];
          if (data !== undefined) items.push({ ...(id ? { id } : {}), event: JSON.parse(data) });
          else if (block.startsWith(":")) items.push({ comment: block.slice(1).trim() });
        }
      }
      return items.shift();
    },
  };
}

/** The run's events as the page gets them, until the run has ended. */
async function runEvents(ui: UiServer, runId: string, lastEventId?: string): Promise<SseEvent[]> {
  const stream = await followRun(ui, runId, lastEventId);
  const events: SseEvent[] = [];
  for (let item = await stream.next(); item !== undefined; item = await stream.next()) if ("event" in item) events.push(item);
  return events;
}

describe("web UI queue", () => {
  test("lists a parked run with its call; approving it lets the run complete; its events stream from the start", async () => {
    const calls: number[] = [];
    const { ui, queue } = await queueAndUi(calls);
    const runId = await queue.enqueue("Pay the bill.");
    const parked = await waitForState(ui, runId, "waiting-approval");
    expect(parked.pendingApproval).toEqual({ tool: "transfer", args: { amount: 5 }, stepNumber: 1, callIndex: 0 });

    const { status, body } = await callJson(ui, "/api/queue", { headers: auth });
    expect(status).toBe(200);
    expect(body["name"]).toMatch(/^ui-/);
    const runs = body["runs"] as ListedRun[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId, state: "waiting-approval", task: "Pay the bill.", attempts: 1, final: false, pendingApproval: { tool: "transfer" } });
    expect(runs[0]!.updatedAt).toBeGreaterThan(0);
    expect(calls).toEqual([]);

    const approved = await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: true }) });
    expect(approved).toEqual({ status: 200, body: { ok: true } });
    const again = await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: true }) });
    expect(again.status).toBe(409);
    expect(again.body["error"]).toMatch(/not waiting for an approval/);

    const events = await runEvents(ui, runId);
    expect(events[0]).toEqual({ event: { type: "ui-user-message", task: "Pay the bill." } });
    const states = events.flatMap(({ event }) => (event.type === "ui-run-state" ? [event["state"]] : []));
    expect(states).toEqual(["queued", "running", "waiting-approval", "queued", "running", "completed"]);
    const parkedState = events.find(({ event }) => event["state"] === "waiting-approval")!.event;
    expect(parkedState["pendingApproval"]).toMatchObject({ tool: "transfer", args: { amount: 5 } });
    const answer = events.find(({ event }) => event.type === "final-answer")!.event;
    expect(answer["output"]).toBe("moved 5");
    // Agent events go through the conversation's wire mapping: a step's record is slimmed to its figures.
    const stepFinish = events.find(({ event }) => event.type === "step-finish")!.event as unknown as { step: Record<string, unknown> };
    expect(Object.keys(stepFinish.step).sort()).toEqual(expect.arrayContaining(["stepNumber", "timing", "type"]));
    expect(stepFinish.step).not.toHaveProperty("modelOutput");
    expect(calls).toEqual([5]);

    // A page that reconnects resumes after the last event it got, without the task again.
    const fromRunning = events.find(({ event }) => event["state"] === "waiting-approval")!.id!;
    const resumed = await runEvents(ui, runId, fromRunning);
    expect(resumed[0]!.event).toEqual({ type: "ui-run-state", state: "queued", reason: "transfer approved" });
    expect(resumed.at(-1)!.event).toMatchObject({ type: "ui-run-state", state: "completed" });

    const listed = (await callJson(ui, "/api/queue", { headers: auth })).body["runs"] as ListedRun[];
    expect(listed[0]).toMatchObject({ runId, state: "completed", attempts: 2, final: true });
    expect(listed[0]).not.toHaveProperty("result");
  }, 30_000);

  test("a page following a parked run gets keep-alives, then the run's events live once it is approved, until it completes", async () => {
    const { ui, queue } = await queueAndUi([], { keepAliveMs: 100 });
    const runId = await queue.enqueue("Pay 7.");
    await waitForState(ui, runId, "waiting-approval");
    const stream = await followRun(ui, runId);
    const seen: StreamItem[] = [];
    while (!seen.some((item) => "comment" in item)) seen.push((await stream.next())!);
    expect(seen.filter((item) => "event" in item && item.event["state"] === "waiting-approval")).toHaveLength(1);
    expect(seen.at(-1)).toEqual({ comment: "keep-alive" });
    expect((await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: true }) })).status).toBe(200);
    const after: SseEvent[] = [];
    for (let item = await stream.next(); item !== undefined; item = await stream.next()) if ("event" in item) after.push(item);
    expect(after[0]!.event).toEqual({ type: "ui-run-state", state: "queued", reason: "transfer approved" });
    expect(after.find(({ event }) => event.type === "final-answer")!.event["output"]).toBe("moved 7");
    expect(after.at(-1)!.event).toEqual({ type: "ui-run-state", state: "completed" });
  }, 30_000);

  test("refusing with a reason: the call fails in the code with it, and the run completes without the call", async () => {
    const calls: number[] = [];
    const { ui, queue } = await queueAndUi(calls);
    const runId = await queue.enqueue("Pay the bill.");
    await waitForState(ui, runId, "waiting-approval");
    const bad = await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: "yes" }) });
    expect(bad.status).toBe(400);
    const refused = await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: false, reason: "  not this month  " }) });
    expect(refused.status).toBe(200);
    const final = await queue.result(runId, { wait: true, timeoutMs: 20_000 });
    expect(final.state).toBe("completed");
    expect(String(final.result?.output)).toMatch(/^refused: .*not this month/);
    expect(calls).toEqual([]);
  }, 30_000);

  test("cancel ends a parked run; its stream ends with the state, and cancelling again says so", async () => {
    const { ui, queue } = await queueAndUi();
    const runId = await queue.enqueue("Pay the bill.");
    await waitForState(ui, runId, "waiting-approval");
    expect(await callJson(ui, `/api/queue/runs/${runId}/cancel`, { method: "POST", headers: auth })).toEqual({ status: 200, body: { state: "cancelled" } });
    const events = await runEvents(ui, runId);
    expect(events.at(-1)!.event).toMatchObject({ type: "ui-run-state", state: "cancelled", reason: expect.stringMatching(/Cancelled/) });
    expect(await callJson(ui, `/api/queue/runs/${runId}/cancel`, { method: "POST", headers: auth })).toEqual({ status: 200, body: { state: "cancelled" } });
    const approve = await callJson(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: json, body: JSON.stringify({ approved: true }) });
    expect(approve.status).toBe(409);
  }, 30_000);

  test("the token, Origin and JSON guards apply; unknown runs are 404", async () => {
    const { ui, queue } = await queueAndUi();
    const runId = await queue.enqueue("Pay the bill.");
    expect((await call(ui, "/api/queue")).status).toBe(401);
    expect((await call(ui, `/api/queue/runs/${runId}/cancel`, { method: "POST" })).status).toBe(401);
    const foreign = await call(ui, `/api/queue/runs/${runId}/cancel`, { method: "POST", headers: { ...auth, Origin: "http://evil.example" } });
    expect(foreign.status).toBe(403);
    const crossSite = await call(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: { ...json, "Sec-Fetch-Site": "cross-site" }, body: '{"approved":true}' });
    expect(crossSite.status).toBe(403);
    const form = await call(ui, `/api/queue/runs/${runId}/approval`, { method: "POST", headers: { ...auth, "Content-Type": "text/plain" }, body: '{"approved":true}' });
    expect(form.status).toBe(415);
    expect((await queue.status(runId)).state).not.toBe("cancelled");
    for (const path of ["/api/queue/runs/no-such-run", "/api/queue/runs/no-such-run/events", "/api/queue/runs/a:b", "/api/queue/runs/a:b/events"]) {
      const { status, body } = await callJson(ui, path, { headers: auth });
      expect(status).toBe(404);
      expect(body["error"]).toMatch(/run/i);
    }
  }, 30_000);

  test("an unreachable Redis is an error the page shows, and the server goes on", async () => {
    const nowhere = new AgentQueue({ redis: `redis://127.0.0.1:${await freePort()}`, queue: "gone" });
    closers.push(() => nowhere.close());
    const ui = uiWith({ queue: nowhere, queueName: "gone" });
    const list = await callJson(ui, "/api/queue", { headers: auth });
    expect(list.status).toBe(503);
    expect(list.body).toMatchObject({ name: "gone", error: expect.stringMatching(/Cannot reach Redis/) });
    for (const [path, method] of [
      ["/api/queue/runs/some-run", "GET"],
      ["/api/queue/runs/some-run/events", "GET"],
      ["/api/queue/runs/some-run/cancel", "POST"],
      ["/api/queue/runs/some-run/approval", "POST"],
    ] as const) {
      const { status, body } = await callJson(ui, path, { method, headers: json, ...(method === "POST" ? { body: '{"approved":true}' } : {}) });
      expect(status).toBe(503);
      expect(body["error"]).toMatch(/Cannot reach Redis/);
    }
    expect((await call(ui, "/api/conversations", { headers: auth })).status).toBe(200);
  }, 30_000);

  test("a Redis that stops answering is an error after answerWithinMs, not a request held forever", async () => {
    const queue = new AgentQueue({ redis: redis.url, queue: `frozen-${process.pid}` });
    closers.push(() => queue.close());
    const app = new Hono();
    addQueueRoutes(app, { queue, answerWithinMs: 300, stream: { closing: new AbortController().signal, keepAliveMs: 15_000 } });
    expect((await app.fetch(new Request("http://127.0.0.1/api/queue"))).status).toBe(200);
    redis.pause();
    try {
      const started = Date.now();
      const frozen = await app.fetch(new Request("http://127.0.0.1/api/queue"));
      expect(frozen.status).toBe(503);
      expect(((await frozen.json()) as { error: string }).error).toMatch(/did not answer within 0.3 s/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      redis.resume();
    }
    expect((await app.fetch(new Request("http://127.0.0.1/api/queue"))).status).toBe(200);
  });

  test("without a queue the routes say so, and the page's queue script is served", async () => {
    const ui = uiWith({});
    const { status, body } = await callJson(ui, "/api/queue", { headers: auth });
    expect(status).toBe(404);
    expect(body["error"]).toMatch(/--queue/);
    expect((await call(ui, "/api/queue/runs/x", { headers: auth })).status).toBe(404);
    const script = await call(ui, "/queue.js", { headers: auth });
    expect(script.headers.get("Content-Type")).toContain("javascript");
    expect(await script.text()).toContain("/api/queue");
  });

  test("the UI module imports no bullmq or ioredis (codeagent/ui users need not install them)", () => {
    const imported = new Set<string>();
    const visit = (file: string) => {
      if (imported.has(file)) return;
      imported.add(file);
      const source = readFileSync(file, "utf8");
      // Value imports and re-exports only: `import type` and `export type` are erased.
      for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gms)) {
        const specifier = match[1]!;
        if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
        else imported.add(specifier);
      }
    };
    visit(fileURLToPath(new URL("../src/ui/index.ts", import.meta.url)));
    expect([...imported].some((name) => name.endsWith("ui/queue-routes.ts"))).toBe(true);
    expect([...imported].filter((name) => /bullmq|ioredis/.test(name))).toEqual([]);
  });
});
