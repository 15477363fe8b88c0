/**
 * A redis-server for the tests of one file, started before its tests and stopped after them, and
 * queue names that keep each test's runs apart on it.
 */
import { afterAll, beforeAll } from "vitest";

import { startRedisServer, type RedisServer } from "./redis-server.mjs";

/** Registers the server's start and stop with the file's suite; returns a getter for it. */
export function redisServerForThisFile(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => server!;
}

/** A function that returns a fresh queue name each call (`<prefix>-<pid>-<n>`): tests share the server, not their runs. */
export function queueNamer(prefix: string): () => string {
  let count = 0;
  return () => `${prefix}-${process.pid}-${++count}`;
}
