/** What clients and workers of a queue agree on: the job's name and shape, and how long records stay. */
import { z } from "zod";

import { AgentConfigurationError } from "../errors.js";

/** The BullMQ job name of a run. */
export const JOB_NAME = "codeagent-run";

/** Seconds an ended run's records are kept in Redis: 7 days. */
export const RETAIN_SECONDS = 7 * 24 * 3_600;

const runJobData = z.object({ runId: z.string().min(1) });

/** Whether a BullMQ job is one of ours, with the data a worker needs. */
export function isRunJob(name: string, data: unknown): data is { runId: string } {
  return name === JOB_NAME && runJobData.safeParse(data).success;
}

/** Throws unless `name` can name a queue: not empty, without ':' or spaces (they would clash with Redis key names). */
export function checkQueueName(name: unknown): void {
  if (typeof name !== "string" || name === "" || /[:\s]/.test(name)) {
    throw new AgentConfigurationError(`A queue name is needed, without ':' or spaces; got ${JSON.stringify(name)}.`);
  }
}
