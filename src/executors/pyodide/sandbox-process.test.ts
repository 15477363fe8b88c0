/**
 * The host's side of the protocol against a scripted stand-in for the sandbox (a small Node
 * process that answers the handshake, then misbehaves the way a compromised sandbox might): lines
 * without the token and partial lines are ignored, and a line past the limit, a malformed message
 * or a second tool call while one is open end the process instead of reaching the host's code.
 */
import { afterEach, expect, test } from "vitest";

import { SandboxProcess } from "./sandbox-process.js";

const FAKE_SANDBOX = String.raw`
const behaviour = process.argv[1];
let token;
let buffered = "";
const send = (text) => process.stdout.write(text);
process.stdin.setEncoding("utf8").on("data", (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const message = JSON.parse(buffered.slice(0, newline));
    buffered = buffered.slice(newline + 1);
    if (token === undefined) {
      token = message.token;
      send("\n" + token + JSON.stringify({ type: "ready" }) + "\n");
      continue;
    }
    if (message.type !== "run") continue;
    const result = (logs) => "\n" + token + JSON.stringify({ type: "result", id: message.id, logs, result: { output: 1, isFinalAnswer: false, error: null } }) + "\n";
    const toolCall = (id) => "\n" + token + JSON.stringify({ type: "tool-call", id, request: { name: "t", args: [], kwargs: {} } }) + "\n";
    if (behaviour === "junk") send("junk line\n" + "x".repeat(100000) + "\nhalf a line" + result("honest"));
    if (behaviour === "two-tool-calls") send(toolCall(1) + toolCall(2));
    if (behaviour === "long-line") send(result("y".repeat(2000000)));
    if (behaviour === "malformed") send("\n" + token + "{not json\n");
  }
});
`;

let sandbox: SandboxProcess | undefined;

afterEach(async () => {
  sandbox?.kill("test over");
  await sandbox?.exited;
  sandbox = undefined;
});

async function fake(behaviour: string): Promise<SandboxProcess> {
  sandbox = new SandboxProcess(process.execPath, ["-e", FAKE_SANDBOX, behaviour]);
  await sandbox.hold(sandbox.ready);
  sandbox.limitLineLength(1_000_000);
  return sandbox;
}

/** A run request; the fake sandbox answers whatever it is asked. */
const RUN = { type: "run", code: "", timeLimitNote: "", timeoutMs: 1000 } as const;

test("lines without the token, and a partial line left before one, are ignored", async () => {
  const child = await fake("junk");
  const message = await child.request(RUN);
  expect(message["logs"]).toBe("honest");
  expect(child.alive).toBe(true);
});

test("a second tool call while one is open ends the sandbox; the host answers neither twice", async () => {
  const child = await fake("two-tool-calls");
  const calls: string[] = [];
  child.onToolCall = (call) => {
    calls.push(call.name);
    return new Promise(() => {}); // still running when the second call arrives
  };
  await expect(child.request(RUN)).rejects.toThrow(/second tool call/);
  expect(calls).toEqual(["t"]);
  expect(child.alive).toBe(false);
});

test("a line past the limit ends the sandbox without the host holding it", async () => {
  const child = await fake("long-line");
  await expect(child.request(RUN)).rejects.toThrow(/past the protocol's limit of 1000000/);
  expect(child.alive).toBe(false);
});

test("a malformed message carrying the token ends the sandbox", async () => {
  const child = await fake("malformed");
  await expect(child.request(RUN)).rejects.toThrow(/malformed protocol message/);
});
