/**
 * The web UI's routes over a queue of durable runs: the newest runs, one run's status, its events
 * as Server-Sent Events (from its start, live until it ends), a decision on the call it is parked
 * on, and cancel. The queue's failures (Redis away, a run not found, nothing to approve) are
 * answered as JSON errors the page shows; they never reach the server.
 */
import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";

import { errorMessage } from "../errors.js";
import type { DurableRunStatus } from "../jobs/durable-run.js";
import { withTimeout } from "../with-timeout.js";
import { FINAL_STATES } from "../jobs/durable-run.js";
import { saysJson } from "./request-guard.js";
import { decisionBody, needsJson } from "./request-bodies.js";
import type { UiRunQueue } from "./run-queue.js";
import { KEEP_ALIVE, type SseStream, type StreamOptions } from "./sse.js";
import { eventJson, runEventToWire } from "./ui-events.js";

/** Options of {@link addQueueRoutes}. */
export interface QueueRoutesOptions {
  queue: UiRunQueue;
  /** The queue's name, shown in the page. */
  name?: string;
  stream: StreamOptions;
  /** Runs the page lists. Default 50. */
  listLimit?: number;
  /** Event streams of runs open at once (each holds a Redis connection). Default 16. */
  maxWatchers?: number;
  /**
   * How long a request waits for the queue before it is answered with an error: a Redis that
   * hangs (frozen, or cut off without a reset) must not hold the page's requests forever.
   * Default 20 000, above the 10 s an approval may wait for its run to be parked.
   */
  answerWithinMs?: number;
}

/** A run's id as the queue makes them (a UUID), or close: anything else is not looked up. */
const RUN_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** An event's place in a run's Redis stream, as a reconnecting page sends it back. */
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** How each of the queue's errors is answered; any other is the queue failing (503). */
const STATUS_BY_ERROR: Record<string, 400 | 404 | 409 | 503> = {
  AgentConfigurationError: 400,
  RunNotFoundError: 404,
  NoPendingApprovalError: 409,
  RedisUnavailableError: 503,
};

/** Adds the queue's routes under `/api/queue`. */
export function addQueueRoutes(app: Hono, options: QueueRoutesOptions): void {
  const queue = boundedQueue(options.queue, options.answerWithinMs ?? 20_000);
  const maxWatchers = options.maxWatchers ?? 16;
  let watchers = 0;

  app.get("/api/queue", async (c) => {
    const name = options.name ?? null;
    try {
      const runs = await queue.list({ limit: options.listLimit ?? 50 });
      return c.json({ name, runs: runs.map(listed) });
    } catch (error) {
      return failure(c, error, { name });
    }
  });
  app.get("/api/queue/runs/:id", async (c) => {
    const runId = c.req.param("id");
    if (!RUN_ID.test(runId)) return unknownRun(c);
    try {
      return c.json(listed(await queue.status(runId)));
    } catch (error) {
      return failure(c, error);
    }
  });
  app.get("/api/queue/runs/:id/events", async (c) => {
    const runId = c.req.param("id");
    if (!RUN_ID.test(runId)) return unknownRun(c);
    if (watchers >= maxWatchers) return c.json({ error: `At most ${maxWatchers} runs can be followed at once: close some pages.` }, 429);
    // Counted before the first await, so that many requests at once cannot pass the bound together.
    watchers++;
    let status: DurableRunStatus;
    try {
      status = await queue.status(runId);
    } catch (error) {
      watchers--;
      return failure(c, error);
    }
    const lastId = c.req.header("Last-Event-ID");
    const after = lastId !== undefined && STREAM_ID.test(lastId) ? lastId : undefined;
    return streamSSE(c, async (stream) => {
      try {
        await sendRunEvents(queue, status, after, stream, options.stream);
      } finally {
        watchers--;
      }
    });
  });
  app.post("/api/queue/runs/:id/approval", async (c) => {
    const runId = c.req.param("id");
    if (!RUN_ID.test(runId)) return unknownRun(c);
    if (!saysJson(c)) return needsJson(c);
    const decision = await decisionBody(c);
    if ("error" in decision) return c.json(decision, 400);
    try {
      await queue.approve(runId, decision);
      return c.json({ ok: true });
    } catch (error) {
      return failure(c, error);
    }
  });
  app.post("/api/queue/runs/:id/cancel", async (c) => {
    const runId = c.req.param("id");
    if (!RUN_ID.test(runId)) return unknownRun(c);
    try {
      return c.json({ state: await queue.cancel(runId) });
    } catch (error) {
      return failure(c, error);
    }
  });
}

/** The answer under `/api/queue` of a UI given no queue: the page then leaves its Queue section out. */
export function noQueueRoutes(app: Hono): void {
  // The pattern matches /api/queue itself too.
  app.all("/api/queue/*", (c) => c.json({ error: "This web UI shows no queue: start it with codeagent ui --queue <name> --redis <url>." }, 404));
}

/**
 * The task first (as the user's message, on a first connection only), then the run's entries
 * after `after`, live, until the run has ended, the page goes or the server closes. A stream
 * silent for `keepAliveMs` gets a comment line; a queue that fails mid-stream ends it with a note.
 */
async function sendRunEvents(queue: UiRunQueue, status: DurableRunStatus, after: string | undefined, stream: SseStream, { closing, keepAliveMs }: StreamOptions): Promise<void> {
  if (after === undefined) await stream.writeSSE({ data: eventJson({ type: "ui-user-message", task: status.task }) });
  const entries = queue.watch(status.runId, after === undefined ? {} : { after })[Symbol.asyncIterator]();
  const stopped = new Promise<"stopped">((resolve) => {
    stream.onAbort(() => resolve("stopped"));
    if (closing.aborted) resolve("stopped");
    closing.addEventListener("abort", () => resolve("stopped"), { once: true });
  });
  let next = entries.next();
  try {
    while (!stream.aborted && !stream.closed) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<"idle">((resolve) => (timer = setTimeout(() => resolve("idle"), keepAliveMs)));
      const outcome = await Promise.race([next, stopped, idle]).finally(() => clearTimeout(timer));
      if (outcome === "stopped") break;
      if (outcome === "idle") {
        await stream.write(KEEP_ALIVE);
        continue;
      }
      if (outcome.done) break;
      await stream.writeSSE({ id: outcome.value.id, data: eventJson(runEventToWire(outcome.value)) });
      next = entries.next();
    }
  } catch (error) {
    await stream.writeSSE({ data: eventJson({ type: "ui-watch-failed", message: `Following the run stopped: ${errorMessage(error)}` }) }).catch(() => undefined);
  } finally {
    // A read still waiting ends within its block time; the watch then lets its connection go.
    next.catch(() => undefined);
    void entries.return?.(undefined)?.catch(() => undefined);
  }
}

/** `queue` with each request but `watch` failing after `ms` without an answer. */
function boundedQueue(queue: UiRunQueue, ms: number): UiRunQueue {
  const bounded = <T>(work: Promise<T>): Promise<T> => withTimeout(work, ms, `Redis did not answer within ${ms / 1_000} s; check that it is running and reachable.`);
  return {
    list: (listOptions) => bounded(queue.list(listOptions)),
    status: (runId) => bounded(queue.status(runId)),
    approve: (runId, decision) => bounded(queue.approve(runId, decision)),
    cancel: (runId) => bounded(queue.cancel(runId)),
    watch: (runId, watchOptions) => queue.watch(runId, watchOptions),
  };
}

/** A run as the page lists it: its output stays out (the run's events show it). */
function listed(status: DurableRunStatus) {
  const { runId, state, task, createdAt, updatedAt, attempts, error, pendingApproval } = status;
  return { runId, state, task, createdAt, updatedAt, attempts, final: FINAL_STATES.has(state), ...(error ? { error } : {}), ...(pendingApproval ? { pendingApproval } : {}) };
}

function failure(c: Context, error: unknown, extra: Record<string, unknown> = {}): Response {
  const name = error instanceof Error ? error.name : "";
  const status = STATUS_BY_ERROR[name];
  const message = status === undefined ? `The queue could not be used: ${errorMessage(error)}` : errorMessage(error);
  return c.json({ ...extra, error: message }, status ?? 503);
}

function unknownRun(c: Context): Response {
  return c.json({ error: "No such run: a run's id is the one enqueue gave." }, 404);
}
