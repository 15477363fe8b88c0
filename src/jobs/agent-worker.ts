/**
 * A worker: takes runs from a BullMQ queue and works on several at once, each with its own agent
 * and sandbox. A run it takes over from a worker that died resumes from the last finished step;
 * on `close()` (SIGTERM in the CLI) it lets its runs finish for a while, then hands the rest back
 * to the queue with their journals, for another worker to resume.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

import type { Job, Worker } from "bullmq";
import type { Redis } from "ioredis";

import { CodeAgent, type CodeAgentOptions } from "../agents/code-agent.js";
import { AgentConfigurationError, errorMessage } from "../errors.js";
import { FINAL_STATES } from "./durable-run.js";
import { bullConnection, connectRedis } from "./redis-connection.js";
import { RunAttempt } from "./run-attempt.js";
import { callKey, decisionFits, RunStore, type StoredRun } from "./run-store.js";
import { checkQueueName, isRunJob, JOB_NAME, RETAIN_SECONDS } from "./queue-settings.js";
import { loadBullMq, type BullMq } from "./queue-packages.js";

/** The agent a worker builds for a run: options, or a function of the run that returns them. */
export type WorkerAgent = Omit<CodeAgentOptions, "interceptToolCalls" | "onApproval"> | ((run: { runId: string; task: string }) => Omit<CodeAgentOptions, "interceptToolCalls" | "onApproval"> | Promise<Omit<CodeAgentOptions, "interceptToolCalls" | "onApproval">>);

/** Options of {@link AgentWorker.start}. */
export interface AgentWorkerOptions {
  /** Redis address, e.g. `redis://127.0.0.1:6379`. */
  redis: string;
  /** The queue's name; clients enqueue with the same one. */
  queue: string;
  /**
   * The agent of each run. Its `onApproval` is the queue's (a call that needs approval parks the
   * run until `approve`), and its tool calls are journaled; managed agents' own approvals are not
   * durable.
   */
  agent: WorkerAgent;
  /** Runs worked on at once, each with its own sandbox. Default 1. */
  concurrency?: number;
  /**
   * How long a run stays claimed without the worker renewing its claim; a run of a worker that died
   * goes to another worker after about this long. Default 30 s.
   */
  lockDurationMs?: number;
  /** How often the worker looks for runs whose worker died. Default 30 s (BullMQ's). */
  stalledIntervalMs?: number;
  /** On `close()`: how long runs may go on before they are handed back to the queue. Default 30 s. */
  shutdownGraceMs?: number;
  /** How long a run parked for approval waits before a worker looks at it again. Default 7 days. */
  approvalWaitMs?: number;
  /**
   * Sandboxes kept started ahead of need, so a run taken starts in milliseconds (for sandboxes
   * with a warm pool: Pyodide, QuickJS, LocalPython; needs `agent` as options, not a function).
   * Default: the sandbox's own pool (one spare). More spares cut the wait of bursts of runs, but
   * each costs memory, and on a worker whose cores are busy they do not add throughput.
   */
  warmSandboxes?: number;
  /** Shown in the run's state events: which worker took it. Default `<host>:<pid>`. */
  name?: string;
  /** Hears what goes wrong outside any run (Redis going away, a job that cannot be read). */
  onError?: (error: Error) => void;
}

/** A worker on a queue. Start with {@link AgentWorker.start}; stop with {@link AgentWorker.close}. */
export class AgentWorker {
  private readonly attempts = new Set<RunAttempt>();
  private closing: Promise<void> | undefined;
  private bull!: Worker;

  private constructor(
    private readonly options: AgentWorkerOptions,
    private readonly store: RunStore,
    private readonly name: string,
    private readonly bullmq: BullMq,
  ) {}

  /** Connects to Redis (failing with `RedisUnavailableError` when it is not there) and starts taking runs. */
  static async start(options: AgentWorkerOptions): Promise<AgentWorker> {
    checkQueueName(options.queue);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new AgentConfigurationError(`concurrency must be a whole number ≥ 1, got ${concurrency}.`);
    const bullmq = await loadBullMq();
    const redis: Redis = await connectRedis(options.redis, { failFast: false, name: `codeagent-worker:${options.queue}` });
    const worker = new AgentWorker(options, new RunStore(redis, options.queue, RETAIN_SECONDS), options.name ?? `${hostname()}:${process.pid}`, bullmq);
    worker.bull = new bullmq.Worker(options.queue, (job, token) => worker.process(job, token), {
      connection: bullConnection(options.redis),
      concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
      // Taking over a dead worker's run is safe (it resumes from its checkpoint), so allow it often.
      maxStalledCount: 10,
    });
    worker.bull.on("error", (error) => options.onError?.(error));
    // BullMQ may fail a job without its run hearing of it (a run whose workers kept dying past the
    // stalled limit): the run must end failed, with BullMQ's reason, not stay running forever.
    worker.bull.on("failed", (job, error) => void worker.failWithJob(job, error).catch((failure: unknown) => options.onError?.(failure as Error)));
    const warm = options.warmSandboxes ?? 0;
    if (warm > 0 && typeof options.agent !== "function") {
      // In the background: the first runs need not wait for every spare.
      CodeAgent.prewarm(options.agent, warm).catch((error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error))));
    }
    await worker.bull.waitUntilReady();
    return worker;
  }

  /** Runs being worked on now. */
  get running(): number {
    return this.attempts.size;
  }

  /**
   * Stops taking runs, lets the ones going on finish for `shutdownGraceMs`, then hands the rest
   * back to the queue (their last steps checkpointed, the step in progress journaled) and
   * disconnects.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const finished = this.bull.close();
    const grace = setTimeout(() => {
      for (const attempt of this.attempts) attempt.stop("shutdown");
    }, this.options.shutdownGraceMs ?? 30_000);
    try {
      await finished;
    } finally {
      clearTimeout(grace);
      this.store.redis.disconnect();
    }
  }

  private async failWithJob(job: Job | undefined, error: Error): Promise<void> {
    if (job === undefined || !isRunJob(job.name, job.data) || (await job.getState()) !== "failed") return;
    await this.store.setState(job.data.runId, "failed", { error: error.message, from: ["queued", "running", "waiting-approval"] });
  }

  private async process(job: Job, token: string | undefined): Promise<unknown> {
    const { UnrecoverableError } = this.bullmq;
    if (!isRunJob(job.name, job.data)) {
      throw new UnrecoverableError(`Job ${job.id} is not a codeagent run (expected name '${JOB_NAME}' and data { runId: string }); it was not run.`);
    }
    const { runId } = job.data;
    const stored = await this.store.load(runId);
    if (stored === undefined) throw new UnrecoverableError(`Run ${runId} has no record in Redis (it expired, or the job was added by hand); it was not run.`);
    if (FINAL_STATES.has(stored.status.state)) return { runId, state: stored.status.state };
    if (stored.cancelRequested) {
      await this.store.setState(runId, "cancelled", { error: "Cancelled before it started." });
      return { runId, state: "cancelled" };
    }
    let agentOptions;
    try {
      agentOptions = typeof this.options.agent === "function" ? await this.options.agent({ runId, task: stored.status.task }) : this.options.agent;
    } catch (error) {
      await this.store.setState(runId, "failed", { error: `The worker could not build the run's agent: ${errorMessage(error)}` });
      throw new UnrecoverableError(errorMessage(error));
    }
    const owner = randomUUID();
    // Taken only from a state a worker may take it from: a run cancelled meanwhile stays cancelled.
    const took = await this.store.setState(runId, "running", { worker: this.name, newOwner: owner, from: ["queued", "waiting-approval", "running"] });
    if (!took) return { runId, state: (await this.store.load(runId))?.status.state ?? "unknown" };
    const attempt = new RunAttempt(this.store, stored, agentOptions, owner);
    this.attempts.add(attempt);
    let outcome;
    try {
      outcome = await attempt.execute();
    } finally {
      this.attempts.delete(attempt);
    }
    return await this.settle(job, token, stored, outcome, owner);
  }

  /** Records how the turn ended and tells BullMQ what becomes of the job. */
  private async settle(job: Job, token: string | undefined, stored: StoredRun, outcome: Awaited<ReturnType<RunAttempt["execute"]>>, owner: string): Promise<unknown> {
    const { runId } = stored.status;
    const { DelayedError, UnrecoverableError, WaitingError } = this.bullmq;
    if (outcome.kind === "stopped" && outcome.reason === "superseded") {
      // Another worker holds the run (and the job's lock) now: this one leaves both alone.
      throw new Error(`Run ${runId} was taken over by another worker while ${this.name} was on it.`);
    }
    if (outcome.kind === "completed") {
      await this.store.setState(runId, "completed", { result: outcome.result, owner });
      return { runId, state: "completed" };
    }
    if (outcome.kind === "stopped") {
      if (outcome.reason === "cancel") {
        await this.store.setState(runId, "cancelled", { error: "Cancelled while running.", owner });
        return { runId, state: "cancelled" };
      }
      if (outcome.reason === "shutdown") {
        await this.store.setState(runId, "queued", { error: `Worker ${this.name} stopped; another worker resumes the run from its last step.`, owner });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const pending = outcome.pendingApproval!;
      await this.store.setState(runId, "waiting-approval", { pendingApproval: pending, owner });
      // A decision that came while the run was being parked wakes it at once.
      const decision = await this.store.decision(runId, callKey(pending.stepNumber, pending.callIndex));
      const decided = decisionFits(decision, pending.tool, pending.args);
      await job.moveToDelayed(Date.now() + (decided ? 0 : (this.options.approvalWaitMs ?? 7 * 24 * 3_600_000)), token);
      throw new DelayedError();
    }
    const reason = errorMessage(outcome.error);
    const permanent = outcome.error instanceof AgentConfigurationError;
    const lastAttempt = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.store.setState(runId, lastAttempt ? "failed" : "queued", { error: lastAttempt ? reason : `${reason} (attempt ${job.attemptsMade + 1} of ${job.opts.attempts}; it will be retried)`, owner });
    throw lastAttempt ? new UnrecoverableError(reason) : outcome.error;
  }
}
