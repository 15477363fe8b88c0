/**
 * The run lifecycle and the bridge protocol's rules, over an in-memory channel pair where the
 * test plays the sandbox: what a sandbox may send, what ends it, how an interrupt names its run.
 */
import { describe, expect, test, vi } from "vitest";
import { z } from "zod";

import { tool } from "../../tools/tool.js";
import { ChannelExecutor, type SandboxLauncher } from "./channel-executor.js";
import { linkedChannels } from "./linked-channels.js";
import type { SandboxChannel } from "./sandbox-channel.js";

type Message = Record<string, unknown>;

/** One played sandbox: the messages it got, and how to answer. */
class PlayedSandbox {
  readonly received: Message[] = [];
  token = "";
  private waiters: ((message: Message) => void)[] = [];

  constructor(readonly channel: SandboxChannel) {
    channel.receive((line) => {
      const message = JSON.parse(line) as Message;
      if (this.token === "") {
        this.token = message["token"] as string;
        // What a login shell may print before the runtime starts: not the sandbox's, ignored.
        this.channel.send("Welcome to the sandbox!");
        this.send({ type: "ready" }, "0".repeat(32));
        this.send({ type: "ready" });
        return;
      }
      this.received.push(message);
      this.waiters.shift()?.(message);
    });
  }

  send(message: Message, token = this.token): void {
    this.channel.send(token + JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.channel.send(this.token + text);
  }

  next(): Promise<Message> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Answers configure (and any other request but run) with done, as the runtime does. */
  async serveSetup(): Promise<Message> {
    for (;;) {
      const message = await this.next();
      if (message["type"] === "run") return message;
      this.send({ type: "done", id: message["id"] });
    }
  }
}

function result(id: unknown, output: unknown, extra: Partial<{ logs: string; error: unknown }> = {}): Message {
  return { type: "result", id, logs: extra.logs ?? "", result: { output, isFinalAnswer: false, error: extra.error ?? null } };
}

/** An executor whose sandboxes the test plays; `sandboxes` gets each one as it is launched. */
function playedExecutor(options: { timeoutMs?: number; maxOutputChars?: number; interruptGraceMs?: number } = {}) {
  const sandboxes: PlayedSandbox[] = [];
  let taken = 0;
  let onLaunch: (() => void) | undefined;
  const launcher: SandboxLauncher = {
    launch: () => {
      const { host, sandbox } = linkedChannels();
      sandboxes.push(new PlayedSandbox(sandbox));
      onLaunch?.();
      return Promise.resolve(host);
    },
    hello: (token) => JSON.stringify({ token }),
  };
  const executor = new ChannelExecutor({ language: "python", launcher, ...options });
  /** The next sandbox launched that the test has not taken yet. */
  const nextSandbox = async (): Promise<PlayedSandbox> => {
    while (sandboxes.length <= taken) await new Promise<void>((resolve) => (onLaunch = resolve));
    return sandboxes[taken++]!;
  };
  return { executor, sandboxes, nextSandbox };
}

describe("ChannelExecutor over a played sandbox", () => {
  test("a run with a tool call; before ready, lines without the session's token are ignored", async () => {
    const { executor, nextSandbox } = playedExecutor();
    const add = tool({ name: "add", description: "Adds.", inputSchema: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
    const tools = executor.sendTools([add]);
    const sandbox = await nextSandbox();
    const running = executor.run("add(2, 3)");
    const run = await sandbox.serveSetup();
    await tools;
    expect(run).toMatchObject({ type: "run", code: "add(2, 3)" });
    sandbox.send({ type: "tool-call", id: 1, request: { name: "add", args: [2, 3], kwargs: {} } });
    const reply = await sandbox.next();
    expect(reply).toMatchObject({ type: "tool-result", id: 1 });
    expect(JSON.parse(reply["reply"] as string)).toEqual({ ok: true, value: 5 });
    sandbox.send(result(run["id"], 5, { logs: "done\n" }));
    expect(await running).toEqual({ output: 5, logs: "done\n", isFinalAnswer: false });
    await executor.close();
  });

  test.each([
    { name: "a malformed message", send: (sandbox: PlayedSandbox) => sandbox.sendRaw("{not json") },
    { name: "a message of an unknown type", send: (sandbox: PlayedSandbox) => sandbox.send({ type: "surprise", id: 1 }) },
    { name: "a line without the token once ready", send: (sandbox: PlayedSandbox) => sandbox.channel.send(JSON.stringify({ type: "done", id: 1 })) },
    { name: "an answer to a request nobody made", send: (sandbox: PlayedSandbox) => sandbox.send({ type: "done", id: 999 }) },
    { name: "a second ready", send: (sandbox: PlayedSandbox) => sandbox.send({ type: "ready" }) },
    {
      name: "more tool calls at once than a runtime has threads (64)",
      send: (sandbox: PlayedSandbox) => {
        for (let id = 1; id <= 65; id++) sandbox.send({ type: "tool-call", id, request: { name: "wait", args: [], kwargs: {} } });
      },
    },
  ])("$name ends the sandbox: the run reports lost state and the next run gets a fresh one", async ({ send }) => {
    const { executor, sandboxes, nextSandbox } = playedExecutor();
    const wait = tool({ name: "wait", description: "Waits.", inputSchema: z.object({}), execute: () => new Promise((resolve) => setTimeout(resolve, 2000)) });
    const tools = executor.sendTools([wait]);
    const first = await nextSandbox();
    const running = executor.run("1");
    await first.serveSetup().then(() => send(first));
    await tools;
    const outcome = await running;
    expect(outcome.error?.type).toBe("SandboxCrash");
    expect(outcome.error?.message).toMatch(/everything defined in earlier runs is gone/);
    const second = await nextSandbox();
    expect(second).not.toBe(first);
    const again = executor.run("2");
    const run = await second.serveSetup();
    second.send(result(run["id"], 2));
    expect(await again).toMatchObject({ output: 2 });
    expect(sandboxes).toHaveLength(2);
    await executor.close();
  });

  test("logs over the output limit end the sandbox: the runtime would have cut them", async () => {
    const { executor, nextSandbox } = playedExecutor({ maxOutputChars: 100 });
    const running = executor.run("print('x' * 10**6)");
    const sandbox = await nextSandbox();
    const run = await sandbox.serveSetup();
    sandbox.send(result(run["id"], null, { logs: "x".repeat(10_000) }));
    const outcome = await running;
    expect(outcome.error?.type).toBe("SandboxCrash");
    expect(outcome.error?.message).toMatch(/broke the protocol.*maxOutputChars/);
    await executor.close();
  });

  test("an interrupt is a message naming the run it is for", async () => {
    const { executor, nextSandbox } = playedExecutor({ timeoutMs: 200 });
    const running = executor.run("while True: pass");
    const sandbox = await nextSandbox();
    const run = await sandbox.serveSetup();
    const interrupt = await sandbox.next();
    expect(interrupt).toEqual({ type: "interrupt", run: run["id"] });
    sandbox.send(result(run["id"], null, { error: { type: "TimeoutError", message: "stopped" } }));
    expect((await running).error).toEqual({ type: "TimeoutError", message: "stopped" });
    await executor.close();
  });

  test.each([
    { name: "interruptGraceMs 300", interruptGraceMs: 300, graceMs: 300 },
    { name: "the default", interruptGraceMs: undefined, graceMs: 5_000 },
  ])("a sandbox that ignores interrupts is ended after the grace period ($name) and the run says the state is lost", async ({ interruptGraceMs, graceMs }) => {
    vi.useFakeTimers();
    try {
      const { executor, nextSandbox } = playedExecutor({ timeoutMs: 1_000, interruptGraceMs });
      const running = executor.run("while True: pass");
      let settled = false;
      void running.finally(() => (settled = true));
      const sandbox = await nextSandbox();
      await sandbox.serveSetup();
      await vi.advanceTimersByTimeAsync(1_000 + graceMs - 1);
      expect(settled).toBe(false);
      expect(sandbox.received.filter((message) => message["type"] === "interrupt").length).toBeGreaterThan(0);
      await vi.advanceTimersByTimeAsync(1);
      const outcome = await running;
      expect(outcome.error?.type).toBe("TimeoutError");
      expect(outcome.error?.message).toMatch(/everything defined in earlier runs is gone/);
      await executor.close();
    } finally {
      vi.useRealTimers();
    }
  });

  test.each([0, -1, Number.NaN])("interruptGraceMs %s is refused when the executor is made", (interruptGraceMs) => {
    expect(() => playedExecutor({ interruptGraceMs })).toThrow(/interruptGraceMs must be a finite positive number/);
  });

  test("tools already in the sandbox are not sent again", async () => {
    const { executor, nextSandbox } = playedExecutor();
    const add = tool({ name: "add", description: "Adds.", inputSchema: z.object({ a: z.number() }), execute: ({ a }) => a });
    const first = executor.sendTools([add]);
    const sandbox = await nextSandbox();
    const serving = sandbox.serveSetup();
    await first;
    await executor.sendTools([add]);
    const running = executor.run("1");
    const run = await serving;
    sandbox.send(result(run["id"], 1));
    await running;
    expect(sandbox.received.map((message) => message["type"])).toEqual(["configure", "run"]);
    await executor.close();
  });

  test.each(["tools", "variables"] as const)(
    "a sandbox that dies of a %s request is replaced, the fresh one gets the request, and the next run says what was lost",
    async (kind) => {
      const { executor, nextSandbox } = playedExecutor();
      const add = tool({ name: "add", description: "Adds.", inputSchema: z.object({ a: z.number() }), execute: ({ a }) => a });
      const setup = executor.sendTools([]);
      const first = await nextSandbox();
      const firstConfigure = await first.next();
      first.send({ type: "done", id: firstConfigure["id"] });
      await setup;
      const sent = kind === "tools" ? executor.sendTools([add]) : executor.sendVariables({ task_input: "real" });
      const request = await first.next();
      expect(request["type"]).toBe(kind);
      first.channel.close("code blocked a name for good");
      const second = await nextSandbox();
      const running = second.serveSetup();
      await sent;
      const [configure, ...more] = second.received;
      expect(JSON.parse(configure!["toolsJson"] as string)).toEqual(kind === "tools" ? [{ name: "add", description: "Adds." }] : []);
      expect(more.map((message) => message["type"])).toEqual(kind === "tools" ? [] : ["variables"]);
      const lost = await executor.run("task_input");
      expect(lost.error?.type).toBe("SandboxCrash");
      expect(lost.error?.message).toMatch(/The sandbox closed its side.*everything defined in earlier runs is gone/s);
      const again = executor.run("task_input");
      const run = await running;
      second.send(result(run["id"], "real"));
      expect(await again).toEqual({ output: "real", logs: "", isFinalAnswer: false });
      await executor.close();
    },
  );
});
