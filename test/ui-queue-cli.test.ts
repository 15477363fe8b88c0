/**
 * `codeagent ui --queue <name> --redis <url>`: the flags, and the command serving the page with
 * that queue's runs (a real redis-server; the queue's client loaded only for --queue).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { parseCliArguments, UsageError } from "../src/cli/cli-arguments.js";
import { EXIT } from "../src/cli/run-cli.js";
import { uiFromCli } from "./support/ui-from-cli.js";
import { AgentQueue } from "../src/jobs/index.js";
import { startRedisServer, type RedisServer } from "./support/redis-server.mjs";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe("codeagent ui --queue", () => {
  test("flags: --queue names the queue, --redis its Redis (this machine's by default); --redis alone is refused", () => {
    expect(parseCliArguments(["ui", "--queue", "research", "--redis", "redis://db:6379"])).toMatchObject({ kind: "ui", queue: { queue: "research", redis: "redis://db:6379" } });
    expect(parseCliArguments(["ui", "--queue", "research"])).toMatchObject({ queue: { queue: "research", redis: "redis://127.0.0.1:6379" } });
    expect(parseCliArguments(["ui"])).not.toHaveProperty("queue");
    expect(() => parseCliArguments(["ui", "--redis", "redis://db:6379"])).toThrow(UsageError);
    expect(() => parseCliArguments(["ui", "--queue", " "])).toThrow(/--queue <name>/);
  });

  test("serves the queue's runs to the page at the printed address; Ctrl-C ends it", async () => {
    const client = new AgentQueue({ redis: redis.url, queue: "cli-ui" });
    const runId = await client.enqueue("Count the moons of Mars.");
    await client.close();
    const ui = await uiFromCli(["--port", "0", "--executor", "quickjs", "--queue", "cli-ui", "--redis", redis.url]);
    expect(ui.printed()).toContain(`(queue cli-ui on ${redis.url}: its runs are under Queue)`);
    const url = ui.url;
    const cookie = (await fetch(url, { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]!;
    const listed = await fetch(new URL("/api/queue", url), { headers: { cookie } });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({ name: "cli-ui", runs: [{ runId, state: "queued", task: "Count the moons of Mars." }] });
    ui.interrupt();
    expect(await ui.exit).toBe(EXIT.interrupted);
  }, 30_000);
});
