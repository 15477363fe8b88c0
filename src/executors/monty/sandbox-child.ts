/**
 * The Monty sandbox process. Monty is native code, and hostile Python can make it fault (a stack
 * overflow in its parser or serialiser kills the process outright), so it runs here, in a Node
 * process of its own that the host starts with an empty environment, rather than in the host.
 * It reads the host's messages from stdin and writes its own to stdout (`monty-protocol.ts`);
 * Python's printed text goes into the run's result, never to stdout, so the code cannot write a
 * protocol line. It offers the Python code nothing but the tools, which run on the host.
 */
import { LineSplitter } from "../line-splitter.js";
import { encodeMessage, parseHostMessage, type ChildMessage, type HostMessage } from "./monty-protocol.js";
import { fromHost } from "./monty-values.js";
import { startOrphanWatchdog } from "./orphan-watchdog.js";
import type { MontySession as Session } from "./monty-session.js";
import { RunStop } from "./run-stop.js";
import type { SandboxToolCall, ToolReply } from "./value-limits.js";

/** The host is trusted, but a line longer than V8's longest string cannot be held anyway. */
const MAX_HOST_LINE = 2 ** 29 - 64;

/** Enough runs for V8 to optimise the hot paths of a run. */
const WARM_UP_RUNS = 40;

/** Loads Monty (a native addon, with a prebuilt binary per platform), saying plainly when it cannot. */
async function loadMonty(): Promise<typeof import("./monty-session.js")> {
  try {
    return await import("./monty-session.js");
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split("\n", 1)[0];
    process.stderr.write(`Monty could not be loaded on this platform (${process.platform}-${process.arch}): ${detail}\n`);
    process.exit(3);
  }
}

const { MontySession } = await loadMonty();
const session: Session = new MontySession();
const toolReplies = new Map<number, (reply: ToolReply) => void>();
let current: { id: number; stop: RunStop } | undefined;
let nextCallId = 0;

function send(message: ChildMessage): void {
  process.stdout.write(encodeMessage(message));
}

/** A failure this process cannot recover from (a broken protocol, a bug of ours): it ends, and the host reports it. */
function fail(reason: string): never {
  process.stderr.write(`monty sandbox: ${reason}\n`);
  process.exit(70);
}

function callTool(call: SandboxToolCall): Promise<ToolReply> {
  const callId = ++nextCallId;
  return new Promise((resolve) => {
    toolReplies.set(callId, resolve);
    send({ type: "tool-call", callId, ...call });
  });
}

async function run(message: Extract<HostMessage, { type: "run" }>): Promise<void> {
  if (current !== undefined) fail("a run was sent while another one was going");
  const stop = new RunStop(message.settings.timeoutMs);
  current = { id: message.id, stop };
  try {
    const result = await session.run({ code: message.code, tools: message.tools, settings: message.settings, stop, callTool });
    send({ type: "result", id: message.id, ...result });
  } catch (error) {
    // The session reports every failure of the code as a result; this is one of ours.
    fail(`the run failed: ${error instanceof Error ? error.stack : String(error)}`);
  } finally {
    current = undefined;
    // A tool still running when the run stopped answers no one.
    toolReplies.clear();
  }
}

function receive(line: string): void {
  const message = parseHostMessage(line);
  if (message === undefined) fail("the host sent a line that is not a protocol message");
  switch (message.type) {
    case "variables": {
      try {
        session.setVariables(fromHost(JSON.parse(message.json)) as Record<string, unknown>);
        send({ type: "done", id: message.id });
      } catch (error) {
        send({ type: "done", id: message.id, error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    case "run":
      void run(message);
      return;
    case "tool-result": {
      const resolve = toolReplies.get(message.callId);
      toolReplies.delete(message.callId);
      resolve?.(toolReply(message.reply));
      return;
    }
    case "stop":
      if (current?.id === message.id) current.stop.stopNow(message.reason);
      return;
  }
}

/** A tool's reply with its bytes and images as Monty takes them; a malformed one is the tool's error. */
function toolReply(text: string): ToolReply {
  const reply = JSON.parse(text) as ToolReply;
  if (!reply.ok) return reply;
  try {
    return { ok: true, value: fromHost(reply.value) };
  } catch (error) {
    return { ok: false, error: { type: "ToolError", message: `it returned a value that cannot be read: ${(error as Error).message}` } };
  }
}

/**
 * Runs a few snippets in a throwaway session before the process says it is ready, so the first
 * run of the sandbox handed out finds the executor's code compiled and Monty loaded rather than
 * paying for both. Nothing of this session reaches the real one.
 */
async function warmUp(): Promise<void> {
  const scratch = new MontySession();
  const settings = { authorizedImports: ["math"], timeoutMs: 10_000, maxOutputChars: 1_000, memoryLimitMb: 64, maxValueChars: 10_000 };
  const code = "import math\nx = 1\nitems = [x, 2.5, 'a', (1, 2), {'k': None}]\ndef grow(a):\n    return a + 1\nwhile x < 3:\n    x = grow(x)\nprint(x)\n[x, math.floor(2.5), items]";
  const noTools = async (): Promise<ToolReply> => ({ ok: false, error: { type: "ToolError", message: "no tools while warming up" } });
  // The protocol's own code too: reading a run, writing its result (to nowhere).
  const lines = new LineSplitter({ maxLineLength: MAX_HOST_LINE, onLine: (line) => parseHostMessage(line), onOverflow: () => undefined });
  for (let round = 0; round < WARM_UP_RUNS; round++) {
    const request = encodeMessage({ type: "run", id: round, code, tools: [], settings });
    lines.push(request);
    const result = await scratch.run({ code: round % 2 === 0 ? code : "y = 1", tools: [], settings, stop: new RunStop(null), callTool: noTools });
    encodeMessage({ type: "result", id: round, ...result });
  }
}

const input = new LineSplitter({ maxLineLength: MAX_HOST_LINE, onLine: receive, onOverflow: () => fail("the host sent an over-long line") });
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => input.push(chunk));
// The host is gone (or let go of this sandbox): nothing more will come.
process.stdin.on("end", () => process.exit(0));
process.stdout.on("error", () => process.exit(0));
await warmUp();
send({ type: "ready" });
// Started once the process is ready, so its start-up does not delay the sandbox's (stdin's end covers the moments before).
startOrphanWatchdog();
