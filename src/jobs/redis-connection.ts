/**
 * Redis connections for the queue's own keys (run records, checkpoints, journals, event streams).
 * BullMQ makes its own from the same address.
 */
import type { Redis } from "ioredis";

import { errorMessage } from "../errors.js";
import { withTimeout } from "../with-timeout.js";
import { RedisUnavailableError } from "./job-errors.js";
import { loadIoRedis } from "./queue-packages.js";

/** How long a client waits for Redis to answer the first time before it says Redis is not there. */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long a client's command may wait for Redis's answer. */
const CLIENT_COMMAND_TIMEOUT_MS = 10_000;

/**
 * A connected client. `failFast` clients (the ones `enqueue`, `result` and the CLI use) fail a
 * command at once while Redis is away; workers' clients wait for it to come back, so a run in
 * progress pauses instead of losing a checkpoint.
 */
export async function connectRedis(url: string, options: { failFast: boolean; name: string; commandTimeoutMs?: number }): Promise<Redis> {
  const { Redis } = await loadIoRedis();
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    // A client's call on a Redis that stopped answering (frozen, cut off) fails instead of hanging.
    ...(options.failFast ? { commandTimeout: options.commandTimeoutMs ?? CLIENT_COMMAND_TIMEOUT_MS } : {}),
    retryStrategy: reconnectDelay,
  });
  // ioredis reports each failed reconnect as an "error" event; an unheard one would crash the
  // process. The first one says why the connection failed (ECONNREFUSED, a DNS failure, ...).
  let cause: string | undefined;
  redis.on("error", (error: Error) => (cause ??= error.message));
  try {
    await withTimeout(redis.connect(), CONNECT_TIMEOUT_MS, "no answer");
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(url, (cause ?? errorMessage(error)).replace(/\.+$/, ""));
  }
  return redis;
}

/** BullMQ's connection options for `url`. */
export function bullConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  return { url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

/** Reconnect forever with a capped wait: Redis restarts are ordinary events for a worker. */
function reconnectDelay(times: number): number {
  return Math.min(times * 200, 2_000);
}
