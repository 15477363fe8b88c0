/**
 * The client side of durable runs: put a task on the queue, follow its events, wait for its
 * result, approve a parked tool call, cancel it. Any number of clients on any machine may do
 * these for the same run; the run itself is worked on by `AgentWorker`s.
 */
import { randomUUID } from "node:crypto";

import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

import { AgentConfigurationError } from "../errors.js";
import { FINAL_STATES, type DurableRunEvent, type DurableRunState, type DurableRunStatus, type EnqueueOptions } from "./durable-run.js";
import { NoPendingApprovalError, RunNotFoundError, RunWaitTimeoutError } from "./job-errors.js";
import { checkQueueName, JOB_NAME, RETAIN_SECONDS } from "./queue-settings.js";
import { bullConnection, connectRedis } from "./redis-connection.js";
import { callKey, encode, RunStore } from "./run-store.js";
import { loadBullMq } from "./queue-packages.js";

/** Options of {@link AgentQueue}. */
export interface AgentQueueOptions {
  /** Redis address, e.g. `redis://127.0.0.1:6379`. */
  redis: string;
  /** The queue's name; workers take from the same one. */
  queue: string;
  /** How long a call waits for Redis to answer before it fails (a frozen or cut-off Redis). Default 10 s. */
  commandTimeoutMs?: number;
}

/** A run's event with its place in the stream: pass it as `after` to pick up from there. */
export type WatchedEvent = DurableRunEvent & { id: string };

const enqueueOptions = z
  .object({
    additionalArgs: z.record(z.string(), z.unknown()).optional(),
    maxSteps: z.number().int().min(1).optional(),
    attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/** How long `approve` waits for a run that is being parked to be parked. */
const PARKING_WAIT_MS = 10_000;

/**
 * A queue of durable runs, seen from a client.
 *
 * @example
 * const queue = new AgentQueue({ redis: "redis://127.0.0.1:6379", queue: "research" });
 * const runId = await queue.enqueue("How many moons has Mars?");
 * for await (const event of queue.watch(runId)) console.log(event);
 * console.log((await queue.result(runId, { wait: true })).result?.output);
 * await queue.close();
 */
export class AgentQueue {
  private connected: Promise<{ store: RunStore; bull: Queue }> | undefined;
  private readonly watchers = new Set<Redis>();

  /** The queue's name. */
  readonly name: string;

  constructor(private readonly options: AgentQueueOptions) {
    checkQueueName(options.queue);
    this.name = options.queue;
  }

  /** Puts `task` on the queue; resolves to the run's id once Redis holds it. */
  async enqueue(task: string, options: EnqueueOptions = {}): Promise<string> {
    if (typeof task !== "string" || task.trim() === "") throw new AgentConfigurationError("enqueue needs a task: a non-empty string.");
    const parsed = enqueueOptions.safeParse(options);
    if (!parsed.success) throw new AgentConfigurationError(`enqueue options are not valid: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "options"}: ${issue.message}`).join("; ")}.`);
    const { store, bull } = await this.connect();
    const runId = randomUUID();
    await store.create(runId, task, parsed.data);
    await bull.add(
      JOB_NAME,
      { runId },
      {
        jobId: runId,
        attempts: parsed.data.attempts ?? 3,
        backoff: { type: "exponential", delay: 1_000 },
        removeOnComplete: { age: 3_600 },
        removeOnFail: { age: RETAIN_SECONDS },
      },
    );
    return runId;
  }

  /** Where the run is now. Throws `RunNotFoundError` for an unknown id. */
  async status(runId: string): Promise<DurableRunStatus> {
    const { store } = await this.connect();
    const stored = await store.load(runId);
    if (stored === undefined) throw new RunNotFoundError(runId, this.options.queue);
    return stored.status;
  }

  /**
   * The newest runs (up to `limit`, default 50), newest first; only those in `states` when given,
   * e.g. `["waiting-approval"]` for the calls waiting for a person.
   */
  async list(options: { states?: readonly DurableRunState[]; limit?: number } = {}): Promise<DurableRunStatus[]> {
    const { store } = await this.connect();
    const limit = options.limit ?? 50;
    const wanted = options.states === undefined ? undefined : new Set(options.states);
    const found: DurableRunStatus[] = [];
    // Read in pages of the index: a state filter may skip many runs.
    for (let offset = 0, page = 200; found.length < limit; offset += page) {
      const ids = await store.newestRuns(offset, page);
      if (ids.length === 0) break;
      for (const id of ids) {
        const stored = await store.load(id);
        if (stored !== undefined && (wanted === undefined || wanted.has(stored.status.state))) found.push(stored.status);
        if (found.length === limit) break;
      }
    }
    return found;
  }

  /**
   * The run's status; with `wait`, once it has ended (`completed`, `failed` or `cancelled`).
   * `timeoutMs` bounds the wait (`RunWaitTimeoutError`); default: no bound.
   */
  async result(runId: string, options: { wait?: boolean; timeoutMs?: number } = {}): Promise<DurableRunStatus> {
    const status = await this.status(runId);
    if (!options.wait || FINAL_STATES.has(status.state)) return status;
    const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for await (const event of this.watch(runId, { stopAt: deadline })) {
      if (event.type === "state" && FINAL_STATES.has(event.state)) return await this.status(runId);
    }
    const now = await this.status(runId);
    if (FINAL_STATES.has(now.state)) return now;
    throw new RunWaitTimeoutError(runId, now.state, options.timeoutMs ?? 0);
  }

  /**
   * The run's events from its start (or after the entry `after`), live as they come, ending after
   * the run has ended. Late watchers see every step: the stream is kept in Redis.
   */
  async *watch(runId: string, options: { after?: string; stopAt?: number } = {}): AsyncGenerator<WatchedEvent, void, undefined> {
    const { store } = await this.connect();
    if (!(await store.exists(runId))) throw new RunNotFoundError(runId, this.options.queue);
    // A blocking read holds its connection: each watch gets its own, which rides out a Redis restart.
    const reader = store.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
    reader.on("error", () => undefined);
    this.watchers.add(reader);
    try {
      let after = options.after ?? "0";
      const stopAt = options.stopAt ?? Number.POSITIVE_INFINITY;
      while (Date.now() < stopAt) {
        const blockMs = Math.max(1, Math.min(2_000, stopAt - Date.now()));
        const read = await RunStore.readEvents(reader, store.key(runId, "events"), after, blockMs);
        for (const { id, event } of read) {
          after = id;
          yield { ...event, id };
          if (event.type === "state" && FINAL_STATES.has(event.state)) return;
        }
        // A quiet stream: the run may be gone (Redis restarted without its data, or it expired).
        if (read.length === 0 && !(await store.exists(runId))) throw new RunNotFoundError(runId, this.options.queue);
      }
    } finally {
      this.watchers.delete(reader);
      reader.disconnect();
    }
  }

  /**
   * Decides on the tool call a run is parked on; the run then resumes on any worker (making the
   * call, or raising the refusal in its code). Throws `NoPendingApprovalError` when the run is not
   * waiting for one.
   */
  async approve(runId: string, decision: { approved: boolean; reason?: string }): Promise<void> {
    const { store, bull } = await this.connect();
    const status = await this.status(runId);
    const pending = status.pendingApproval;
    if (status.state !== "waiting-approval" || pending === undefined) {
      throw new NoPendingApprovalError(`Run ${runId} is ${status.state}, not waiting for an approval; nothing to decide.`);
    }
    const note = decision.approved ? `${pending.tool} approved` : `${pending.tool} refused${decision.reason ? `: ${decision.reason}` : ""}`;
    const decided = await store.decideAndRequeue(
      runId,
      callKey(pending.stepNumber, pending.callIndex),
      { approved: decision.approved, ...(decision.reason ? { reason: decision.reason } : {}), tool: pending.tool, args: encode(pending.args) },
      note,
    );
    // Cancelled, or decided by someone else, in the meantime.
    if (!decided) throw new NoPendingApprovalError(`Run ${runId} is no longer waiting for an approval (it is ${(await this.status(runId)).state}); nothing was decided.`);
    // The worker that parked it may still be moving the job to the delayed set; it looks for a decision once it has.
    const deadline = Date.now() + PARKING_WAIT_MS;
    while (Date.now() < deadline) {
      const job = await bull.getJob(runId);
      const state = job === undefined ? "unknown" : await job.getState();
      if (state === "delayed") {
        await job!.promote().catch(() => undefined);
        return;
      }
      if (state !== "active") return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Cancels the run: a queued or parked run ends at once, a running one at its worker's next look
   * (within a second). Resolves to the run's state after the request.
   */
  async cancel(runId: string): Promise<DurableRunState> {
    const { store, bull } = await this.connect();
    const status = await this.status(runId);
    if (FINAL_STATES.has(status.state)) return status.state;
    await store.requestCancel(runId);
    const job = await bull.getJob(runId);
    const jobState = job === undefined ? "unknown" : await job.getState();
    // A worker on it sees the request within a second and ends the run as cancelled.
    if (jobState === "active") return (await this.status(runId)).state;
    // Nobody is on it (waiting, parked, or its job is gone or failed): it ends here. A worker
    // that takes the job in between finds the run cancelled and leaves it.
    await job?.remove().catch(() => undefined);
    const ended = await store.setState(runId, "cancelled", { error: "Cancelled while no worker was on it.", from: ["queued", "waiting-approval", "running"] });
    return ended ? "cancelled" : (await this.status(runId)).state;
  }

  /** Ends the connections (and any watch going on). */
  async close(): Promise<void> {
    for (const reader of this.watchers) reader.disconnect();
    const connected = this.connected;
    this.connected = undefined;
    if (connected === undefined) return;
    const { store, bull } = await connected.catch(() => ({ store: undefined, bull: undefined }));
    await bull?.close();
    store?.redis.disconnect();
  }

  private connect(): Promise<{ store: RunStore; bull: Queue }> {
    this.connected ??= (async () => {
      const { Queue } = await loadBullMq();
      const redis = await connectRedis(this.options.redis, {
        failFast: true,
        name: `codeagent-client:${this.options.queue}`,
        ...(this.options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: this.options.commandTimeoutMs }),
      });
      const bull = new Queue(this.options.queue, { connection: bullConnection(this.options.redis) });
      bull.on("error", () => undefined);
      return { store: new RunStore(redis, this.options.queue, RETAIN_SECONDS), bull };
    })();
    // A failed connection is tried again on the next call.
    this.connected.catch(() => (this.connected = undefined));
    return this.connected;
  }
}
