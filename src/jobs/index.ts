/**
 * `codeagent/jobs`: durable runs on a queue (BullMQ on Redis). Workers take runs, checkpoint each
 * step, and resume a dead worker's run elsewhere without making any tool call twice.
 * Needs the optional peers `bullmq` and `ioredis`.
 */
export { AgentQueue, type AgentQueueOptions, type WatchedEvent } from "./agent-queue.js";
export { AgentWorker, type AgentWorkerOptions, type WorkerAgent } from "./agent-worker.js";
export type { DurableRunEvent, DurableRunResult, DurableRunState, DurableRunStatus, EnqueueOptions, PendingApproval } from "./durable-run.js";
export { NoPendingApprovalError, RedisUnavailableError, RunNotFoundError, RunWaitTimeoutError } from "./job-errors.js";
