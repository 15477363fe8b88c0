import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";

import { SandboxError } from "../../errors.js";
import {
  RUN_ID_MASK,
  SIGNAL_SLOTS,
  STOP,
  type ToolReply,
  type WorkerMessage,
  type WorkerRequest,
  type WorkerSettings,
} from "./protocol.js";

/** A tool call made by the sandboxed code: the tool's name and its arguments (JSON values). */
export interface ThreadToolCall {
  name: string;
  args: unknown[];
}

/** Answers a tool call with the JSON text the sandbox reads (`{ ok, value }` or `{ ok: false, error }`). */
export type ToolCallHandler = (call: ThreadToolCall) => Promise<string>;

/** The worker thread ended while a request was in flight. */
export class SandboxThreadExitedError extends SandboxError {
  override readonly name = "SandboxThreadExitedError";
}

/**
 * A compiled `WebAssembly.Module`. Node has the type at run time, but the project's type library
 * (ES2023, no DOM) does not declare WebAssembly, so it is opaque here.
 */
export type CompiledWasm = object;

/** Options of one worker thread. */
export interface SandboxThreadOptions {
  settings: WorkerSettings;
  /** The worker's own JavaScript heap in MiB (see worker-limits.ts). */
  heapMb: number;
  /** QuickJS compiled once per process; the worker compiles its own when absent. */
  wasmModule?: CompiledWasm;
  /** Runs once the worker answers and before `ready` resolves (a warm-up). */
  prepare?: (thread: SandboxThread) => Promise<void>;
}

type WorkerReply = Extract<WorkerMessage, { type: "done" } | { type: "result" }>;
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
/** A request as the executor writes it; the thread adds the id. */
export type ThreadRequest = WithoutId<WorkerRequest>;

interface Pending {
  resolve(message: WorkerReply): void;
  reject(error: Error): void;
}

const WORKER_URL = new URL("./sandbox-worker.mjs", import.meta.url);

/**
 * A native stack far deeper than QuickJS's own limit: QuickJS measures its stack in WebAssembly
 * memory, and each of its frames also costs native stack that it cannot see. With too little, deep
 * recursion would trap the WebAssembly instead of raising a clean "stack overflow".
 */
const STACK_SIZE_MB = 32;

/**
 * After sending a request or a tool reply, the host polls for the worker's next message this long
 * before yielding to its event loop. A trivial run answers within it, and so does the next call of
 * a loop of tool calls: each is spared a thread wake-up (30-80 µs on a small virtual machine, and
 * far more on a loaded one). The worker's part of a trivial run, with the sandbox's checks, takes
 * 30-40 µs: a window much closer to that is missed whenever another process takes the core for a
 * moment, and a missed window costs the wake-up on both sides. A longer run costs the host at most
 * this much of its time.
 */
const POLL_MS = 0.15;

/**
 * One Node worker thread running QuickJS, and the protocol with it (see protocol.ts). It has an
 * empty environment and only the modules of its own file; nothing of it is visible to sandboxed
 * code, which lives in QuickJS's WebAssembly memory. `kill` ends it at once, whatever it is doing.
 */
export class SandboxThread {
  private readonly worker: Worker;
  private readonly signals: Int32Array;
  /** Host → worker: tool replies, read synchronously by the blocked worker. */
  private readonly replyPort: MessagePort;
  /** Worker → host: answers and tool calls. */
  private readonly hostPort: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private readonly openToolCalls = new Set<number>();
  private nextRequestId = 0;
  private busy = 0;
  private exitReason: string | undefined;
  private running = true;
  private markReady: () => void = () => undefined;
  /** Settles once the thread has ended. */
  readonly exited: Promise<void>;
  /** Resolves when QuickJS is loaded and the thread answers requests. */
  readonly ready: Promise<void>;
  /** Called for every tool call the code makes during a run. */
  onToolCall: ToolCallHandler | undefined;
  /** The worker's heap for its own JavaScript (the texts passing through), in MiB. */
  readonly heapMb: number;

  constructor(options: SandboxThreadOptions) {
    this.heapMb = options.heapMb;
    this.signals = new Int32Array(new SharedArrayBuffer(SIGNAL_SLOTS.count * Int32Array.BYTES_PER_ELEMENT));
    const replies = new MessageChannel();
    const answers = new MessageChannel();
    this.replyPort = replies.port1;
    this.hostPort = answers.port1;
    this.worker = new Worker(WORKER_URL, {
      env: {},
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb, stackSizeMb: STACK_SIZE_MB },
      workerData: {
        control: this.signals.buffer,
        replyPort: replies.port2,
        hostPort: answers.port2,
        wasmModule: options.wasmModule,
        settings: options.settings,
        slots: SIGNAL_SLOTS,
      },
      transferList: [replies.port2, answers.port2],
    });
    let failStart: (error: Error) => void = () => undefined;
    const loaded = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      failStart = reject;
    });
    const prepare = options.prepare;
    this.ready = prepare ? loaded.then(() => prepare(this)) : loaded;
    this.ready.catch(() => undefined); // awaited by whoever uses the thread; a spare may never be
    this.hostPort.on("message", (message: WorkerMessage) => this.receive(message));
    this.worker.on("error", (error: Error & { code?: string }) => {
      this.exitReason ??=
        error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "ran out of memory for its own work and was ended" : `crashed: ${error.message}`;
    });
    this.exited = new Promise((resolve) => {
      this.worker.on("exit", (code) => {
        this.running = false;
        this.exitReason ??= `exited with code ${code}`;
        const error = new SandboxThreadExitedError(`The JavaScript sandbox ${this.exitReason}`);
        failStart(error);
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
        this.replyPort.close();
        this.hostPort.close();
        resolve();
      });
    });
    this.idle();
  }

  /** Whether the thread is still running and has not been told to end. */
  get alive(): boolean {
    return this.running && this.exitReason === undefined;
  }

  /** Why the thread ended, if it did. */
  get endReason(): string | undefined {
    return this.exitReason;
  }

  /** Sends a request and resolves with the worker's `done` or `result` message. */
  request(message: ThreadRequest): Promise<WorkerReply> {
    const id = ++this.nextRequestId;
    const answer = new Promise<WorkerReply>((resolve, reject) => {
      if (!this.running) reject(new SandboxThreadExitedError(`The JavaScript sandbox ${this.exitReason ?? "stopped"}`));
      else this.pending.set(id, { resolve, reject });
    });
    const held = this.hold(answer);
    if (this.running) {
      this.worker.postMessage({ ...message, id });
      this.pollBriefly();
    }
    return held;
  }

  /** Keeps the host's event loop alive until `work` settles; an idle thread lets the host exit. */
  async hold<T>(work: Promise<T>): Promise<T> {
    if (this.busy++ === 0) {
      this.worker.ref();
      this.hostPort.ref();
    }
    try {
      return await work;
    } finally {
      if (--this.busy === 0) this.idle();
    }
  }

  private idle(): void {
    this.worker.unref();
    this.hostPort.unref();
  }

  /** Handles the worker's next message if it comes within {@link POLL_MS}. */
  private pollBriefly(): void {
    const until = performance.now() + POLL_MS;
    while (performance.now() < until) {
      const received = receiveMessageOnPort(this.hostPort);
      if (received === undefined) continue;
      this.receive(received.message as WorkerMessage);
      return;
    }
  }

  private receive(message: WorkerMessage): void {
    if (message.type === "ready") this.markReady();
    else this.dispatch(message);
  }

  /** Asks QuickJS to stop run `runId` at its next interrupt check (and wakes a sleeping timer). */
  interrupt(runId: number): void {
    Atomics.store(this.signals, SIGNAL_SLOTS.interrupt, ((runId & RUN_ID_MASK) << 2) | STOP);
    Atomics.notify(this.signals, SIGNAL_SLOTS.interrupt);
  }

  /** Answers every tool call still running with an interruption, so the code stops waiting; false when none was. */
  interruptToolCalls(message: string): boolean {
    const interrupted = this.openToolCalls.size > 0;
    for (const callId of this.openToolCalls) {
      this.reply(callId, JSON.stringify({ ok: false, error: { type: "interrupted", message } }));
    }
    this.openToolCalls.clear();
    return interrupted;
  }

  /** Ends the thread now, even in the middle of a native operation. */
  kill(reason: string): void {
    this.exitReason ??= reason;
    if (this.running) void this.worker.terminate();
  }

  private dispatch(message: WorkerMessage): void {
    switch (message.type) {
      case "tool-call":
        this.handleToolCall(message.callId, message.name, message.args);
        return;
      case "fatal":
        this.exitReason = `failed: ${message.message}`;
        if (message.id !== undefined) this.settle(message.id, undefined, new SandboxError(`The JavaScript sandbox ${this.exitReason}`));
        return;
      case "done":
      case "result":
        this.settle(message.id, message);
        return;
    }
  }

  private settle(id: number, message: WorkerReply | undefined, error?: Error): void {
    const waiter = this.pending.get(id);
    if (waiter === undefined) return;
    this.pending.delete(id);
    if (error !== undefined || message === undefined) waiter.reject(error ?? new SandboxError("The JavaScript sandbox sent no answer."));
    else waiter.resolve(message);
  }

  private handleToolCall(callId: number, name: unknown, args: unknown): void {
    this.openToolCalls.add(callId);
    const parsed = parseArguments(args);
    const handler = this.onToolCall;
    let answer: Promise<string>;
    try {
      if (typeof name !== "string" || parsed === undefined) throw new Error("malformed tool call");
      if (handler === undefined) throw new Error("no tools can be called outside a run");
      answer = handler({ name, args: parsed });
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer
      .catch((error: unknown) =>
        JSON.stringify({ ok: false, error: { type: "ToolError", message: error instanceof Error ? error.message : String(error) } }),
      )
      .then((reply) => {
        // A call already answered by an interruption gets no second reply.
        if (this.openToolCalls.delete(callId)) this.reply(callId, reply);
      });
  }

  private reply(callId: number, reply: string): void {
    if (!this.running) return;
    const message: ToolReply = { callId, reply };
    this.replyPort.postMessage(message);
    Atomics.add(this.signals, SIGNAL_SLOTS.reply, 1);
    Atomics.notify(this.signals, SIGNAL_SLOTS.reply);
    this.pollBriefly();
  }
}

function parseArguments(json: unknown): unknown[] | undefined {
  if (typeof json !== "string") return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
