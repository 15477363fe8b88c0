/**
 * The model flags of `codeagent "<task>"` reach the request (--temperature, --no-stop,
 * --no-stream, --max-retries, --request-timeout), and a model error tells a CLI user the flag or
 * variable to change, never the library option (`timeoutMs`, `baseURL`, `supportsStop: false`).
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { runCaptured } from "./fixtures/cli/run-cli-captured.js";
import { modelServerForThisFile } from "./fixtures/cli/model-server.js";
import { startOpenAICompatibleServer, type ModelTestServer, type ServerBehaviour } from "./support/openai-compatible-server.js";

const modelServer = modelServerForThisFile();

const ANSWER: ServerBehaviour = { kind: "reply", text: "<code>\nfinal_answer('done')\n</code>" };

async function requestBodyFor(flags: string[]): Promise<Record<string, unknown>> {
  const before = modelServer().requests.length;
  modelServer().enqueue(ANSWER);
  const output = await runCaptured(["Answer.", "--base-url", modelServer().baseURL, ...flags]);
  expect(output.stderr).toBe("");
  expect(output.code).toBe(0);
  return modelServer().requests[before]!.body as Record<string, unknown>;
}

describe("model flags reach the request", () => {
  test("--temperature", async () => {
    expect((await requestBodyFor(["--temperature", "0.2"])).temperature).toBe(0.2);
    expect(await requestBodyFor([])).not.toHaveProperty("temperature");
  });

  test("--no-stop sends no stop sequences; the reply is still cut at them here", async () => {
    const before = modelServer().requests.length;
    modelServer().enqueue({ kind: "reply", text: "<code>\nfinal_answer('cut here')\n</code>\nObservation: made up", honourStop: false });
    const output = await runCaptured(["Answer.", "--base-url", modelServer().baseURL, "--no-stop"]);
    expect(output.code).toBe(0);
    expect(modelServer().requests[before]!.body).not.toHaveProperty("stop");
    expect(output.stdout).toContain("cut here");
    // Cut here, the stream ends before the server's count: the counts shown are estimates, and say so.
    expect(output.stdout).toMatch(/Step 1 · ~[\d,]+ in \/ ~[\d,]+ out tokens \(estimated\)/);
    expect(output.stdout).toMatch(/✔ success · 1 step · ~[\d,]+ tokens, estimated/);
  });

  test("--no-stream asks for whole replies (no stream_options)", async () => {
    const body = await requestBodyFor(["--no-stream"]);
    expect(body.stream).not.toBe(true);
    expect(body).not.toHaveProperty("stream_options");
  });

  test("--max-retries 0 sends one request to a failing server", async () => {
    const before = modelServer().requests.length;
    modelServer().enqueue({ kind: "error", status: 503, message: "overloaded" });
    const output = await runCaptured(["Answer.", "--base-url", modelServer().baseURL, "--max-retries", "0"]);
    expect(output.code).toBe(1);
    expect(modelServer().requests.length - before).toBe(1);
    expect(output.stderr).toContain("--max-retries");
    expect(output.stderr).not.toContain("maxRetries");
  });

  test("--request-timeout bounds a hung server, and the error names the flag", async () => {
    modelServer().enqueue({ kind: "reply", text: "late", delayMs: 30_000 });
    const started = performance.now();
    const output = await runCaptured(["Answer.", "--base-url", modelServer().baseURL, "--request-timeout", "300", "--max-retries", "0"]);
    expect(output.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(output.stderr).toContain("--request-timeout");
    expect(output.stderr).not.toContain("timeoutMs");
  });

  test.each([
    [["--request-timeout", "0"], /--request-timeout takes a whole number ≥ 1/],
    [["--max-retries", "1.5"], /--max-retries takes a whole number ≥ 0/],
    [["--temperature", "hot"], /--temperature takes a number from 0 to 2/],
    [["--temperature", "3"], /--temperature takes a number from 0 to 2/],
  ])("bad value %j exits 2", async (flags, message) => {
    const output = await runCaptured(["Answer.", "--base-url", modelServer().baseURL, ...flags]);
    expect(output.code).toBe(2);
    expect(output.stderr).toMatch(message);
  });
});

const STOP_REJECTED: ServerBehaviour = { kind: "error", status: 400, message: "Unsupported parameter: 'stop' is not supported with this model." };
const STREAM_OPTIONS_REJECTED: ServerBehaviour = { kind: "error", status: 400, message: "Unrecognized request argument supplied: stream_options" };

describe("model errors name the CLI's flags", () => {
  // The adapter may try again without what the server rejected: each case gets a server of its
  // own that gives the same answer to every attempt.
  let failing: ModelTestServer;
  beforeEach(async () => {
    failing = await startOpenAICompatibleServer();
  });
  afterEach(async () => {
    await failing.close();
  });

  test.each<[string, ServerBehaviour, string, string]>([
    ["a rejected key", { kind: "error", status: 401, message: "Incorrect API key provided" }, "OPENAI_API_KEY", "`apiKey`"],
    ["a model that rejects stop", STOP_REJECTED, "--no-stop", "supportsStop"],
    ["a server that rejects stream_options", STREAM_OPTIONS_REJECTED, "--no-stream", "`"],
    ["a missing route", { kind: "error", status: 404, message: "Not Found" }, "--base-url", "`baseURL`"],
    ["an unknown model", { kind: "error", status: 404, message: "The model `nope` does not exist" }, "--model", "`baseURL`"],
  ])("%s", async (_case, behaviour, flag, libraryWording) => {
    failing.enqueue(behaviour, behaviour, behaviour);
    const output = await runCaptured(["Answer.", "--base-url", failing.baseURL, "--max-retries", "0"]);
    expect(output.code).toBe(1);
    expect(output.stderr).toContain(flag);
    expect(output.stderr.replace(/The model `nope`/, "")).not.toContain(libraryWording);
  });

  test("a server that cannot be reached: --base-url", async () => {
    const output = await runCaptured(["Answer.", "--base-url", "http://127.0.0.1:9/v1", "--max-retries", "0"]);
    expect(output.code).toBe(1);
    expect(output.stderr).toContain("--base-url");
    expect(output.stderr).not.toContain("`baseURL`");
  });

  test("--json: the run-error event carries the flag", async () => {
    failing.enqueue(STOP_REJECTED, STOP_REJECTED, STOP_REJECTED);
    const output = await runCaptured(["Answer.", "--base-url", failing.baseURL, "--json"]);
    const last = JSON.parse(output.stdout.trim().split("\n").at(-1)!) as unknown;
    expect(last).toMatchObject({ type: "run-error", interrupted: false, error: { type: "ModelCallError", flag: "--no-stop" } });
  });
});
