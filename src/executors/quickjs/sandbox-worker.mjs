// The QuickJS worker thread. It owns one QuickJS runtime (WebAssembly) and one context at a time,
// and runs the host's requests synchronously, one after the other. Nothing of Node reaches the
// sandboxed code: it sees only the globals sandbox-runtime.mjs installs, whose host functions take
// and return strings and numbers. The message types are described in protocol.ts.
//
// It runs off the host's main thread so that the host can always end it: QuickJS's interrupt
// handler stops JavaScript loops, but not a long native operation (`new Array(1e9).join()`), and a
// WebAssembly trap leaves QuickJS unusable. In both cases the host terminates this thread.

import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";

import releaseVariant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";

import { guardAllocations } from "./worker-allocations.mjs";
import { openContext } from "./worker-context.mjs";
import { createMemoryCap } from "./worker-memory.mjs";

const { control, hostPort, replyPort, wasmModule, settings, slots } = workerData;
const signals = new Int32Array(control);
const RUN_ID_MASK = 0x1fffffff;
/**
 * Waking a sleeping thread costs 30-80 µs on a small virtual machine, more than a trivial run. So
 * after each answer the worker polls for the host's next request for a moment, and after each tool
 * call for the reply, before it sleeps. (The host polls briefly for answers in the same way.) A
 * tool's reply comes after the host's own work on the call (the arguments' checks, the tool, the
 * result's limit), so its window is the longer one.
 */
const REQUEST_POLL_MS = 0.1;
const REPLY_POLL_MS = 0.15;

const memoryCap = createMemoryCap();
const variantOptions = wasmModule ? { wasmModule, wasmMemory: memoryCap.memory } : { wasmMemory: memoryCap.memory };
const quickjs = await newQuickJSWASMModuleFromVariant(newVariant(releaseVariant, variantOptions));
const refillReserve = guardAllocations(quickjs, memoryCap, (what) => {
  // Nothing may run on: the glue would go on with a 0 pointer. The host reports the thread's end.
  hostPort.postMessage({ type: "fatal", message: `out of memory: the sandbox's memory is full, and there was no room for ${what}` });
  process.exit(1);
});
const runtime = quickjs.newRuntime();
memoryCap.attach(runtime);
runtime.setMaxStackSize(settings.stackBytes);
runtime.setInterruptHandler(() => run !== undefined && !internal && (run.draining || run.final !== undefined || interruptReason() !== 0));
// No module loader: only code the sandbox built itself (eval, new Function) can still reach
// QuickJS's own import() (the rewrite sends the model's import() elsewhere), and QuickJS then
// refuses it itself, with a message it keeps short. A loader would be handed the module's name as
// a string in this worker's heap, however long the code made it.

let maxOutputChars = 50_000;
/** The longest JSON text of a value crossing to the host: a tool call's arguments, an answer, a result. */
let maxValueChars = 1_000_000;
/** Bytes the sandbox holds back from the code; see holdReserve in sandbox-runtime.mjs. */
let reserveBytes = 0;
/** Whether the sandbox holds its reserve: a run that ends with it held needs no call to put it back. */
let reserveHeld = false;
let toolNames = [];
/** The run in progress: its id, captured output, final answer, and whether it is being wound down. */
let run;
let nextCallId = 0;
/** True while the sandbox's own functions run: they are short and must not be cut off halfway. */
let internal = false;
let sandbox = createSandbox();

function createSandbox() {
  const created = openContext(runtime, settings, { write, callTool, finish }, (running) => (internal = running), memoryCap.lift);
  if (toolNames.length > 0) created.callInternal("installTools", JSON.stringify(toolNames));
  reserveHeld = created.callInternal("holdReserve", reserveBytes) === 1;
  return created;
}

// ------------------------------------------------------------------ host functions

function interruptReason() {
  const value = Atomics.load(signals, slots.interrupt);
  return value >>> 2 === (run.id & RUN_ID_MASK) ? value & 3 : 0;
}

// Each takes the code's strings as GuestTexts (see worker-context.mjs) and reads them only when
// they fit their limit: the sandbox runtime keeps to the limits too, but the code may have found a
// way to call these directly, so they are where the limits hold.

/** Adds printed text to the run's logs; text past the output limit is counted, never copied. */
function write(text, fullLength) {
  if (run === undefined || run.draining) return 0;
  if (run.concluding) return maxOutputChars - run.logs.length;
  const room = maxOutputChars - run.logs.length;
  const taken = text.length >= 0 && text.length <= room ? text.read() : "";
  run.logs += taken;
  run.dropped += Math.max(text.length, fullLength > 0 ? fullLength : 0) - taken.length;
  return maxOutputChars - run.logs.length;
}

/** Takes the final answer's JSON; "" when taken, else why not (the code sees it as a RangeError). */
function finish(json) {
  if (run?.concluding) return "final_answer() cannot be called while the sandbox works out the run's result.";
  if (json.length > maxValueChars) return tooLarge("the value given to final_answer()", json.length);
  if (run !== undefined && !run.draining && json.length >= 0) run.final = json.read();
  return "";
}

function callTool(nameText, argsText) {
  if (run === undefined || run.draining || interruptReason() !== 0) {
    return JSON.stringify({ ok: false, error: { type: "interrupted", message: "the run was stopped" } });
  }
  if (run.concluding) {
    return JSON.stringify({ ok: false, error: { type: "Refused", message: "no tool can be called while the sandbox works out the run's result" } });
  }
  const name = nameText.length >= 0 && nameText.length <= MAX_NAME_CHARS ? nameText.read() : "tool";
  if (argsText.length > maxValueChars) {
    return JSON.stringify({ ok: false, error: { type: "RangeError", message: tooLarge(`${name}()'s arguments`, argsText.length) } });
  }
  const args = argsText.read();
  const callId = ++nextCallId;
  hostPort.postMessage({ type: "tool-call", callId, name, args });
  const pollUntil = performance.now() + REPLY_POLL_MS;
  for (;;) {
    // Read the counter before the port: a reply posted in between changes the counter, so the
    // wait below returns at once instead of missing it.
    const counter = Atomics.load(signals, slots.reply);
    const received = receiveMessageOnPort(replyPort);
    if (received === undefined) {
      if (performance.now() > pollUntil) Atomics.wait(signals, slots.reply, counter);
    } else if (received.message.callId === callId) {
      return received.message.reply;
    }
    // Anything else is a late reply to a call that was interrupted: dropped.
  }
}

const MAX_NAME_CHARS = 1000;

/** Why a value may not cross: its size, the limit, and what to do instead. */
function tooLarge(what, length) {
  return (
    `The JSON of ${what} is ${length.toLocaleString("en-US")} characters, more than the sandbox lets out ` +
    `(maxValueChars: ${maxValueChars.toLocaleString("en-US")}). Pass or return less: a summary (counts, the first ` +
    "items), or keep the data in a variable and work on it in the next step."
  );
}

/** Sleeps until a timer is due; true when an interrupt came first. */
function sleep(milliseconds) {
  const deadline = performance.now() + milliseconds;
  for (;;) {
    const value = Atomics.load(signals, slots.interrupt);
    if (interruptReason() !== 0) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(signals, slots.interrupt, value, left);
  }
}

// ------------------------------------------------------------------ running code

function runCode(message) {
  run = { id: message.runId, logs: "", dropped: 0, final: undefined, draining: false, concluding: false };
  // After a run that filled the memory, this one gets the reserve to work with.
  if (memoryCap.exhausted) {
    reserveHeld = false;
    sandbox.callInternal("releaseReserve");
  }
  memoryCap.startRun();
  refillReserve();
  const begun = sandbox.callGuarded("begin", maxOutputChars);
  if (begun.error) {
    const message = sandbox.errorMessage(begun.error);
    begun.error.dispose();
    if (memoryCap.exhausted) memoryFull();
    throw new Error(message);
  }
  begun.value.dispose();
  const evaluated = sandbox.context.evalCode(message.script, message.fileName ?? settings.codeFile, { type: "global" });
  const outcome = evaluated.error ? failure(evaluated.error) : settle(evaluated.value);
  if (evaluated.error && memoryCap.exhausted && outcome.kind === "error" && outcome.error.message === "out of memory") memoryFull();
  const jobsLeft = windDown();
  const logs =
    run.dropped > 0
      ? `${run.logs}\n[output truncated: ${run.dropped} more characters were printed than the ${maxOutputChars}-character limit]\n`
      : run.logs;
  run = undefined;
  return { logs, outcome, jobsLeft };
}

/**
 * Runs the promise jobs and timers until the snippet's promise settles. Disposes `promise`. It is
 * fulfilled with the record the rewritten snippet returns (see transform-code.ts) or undefined; a
 * promise in the record is waited for here in turn, through QuickJS's own promise state, so no
 * `then` the code can replace takes part.
 */
function settle(promise) {
  const { context } = sandbox;
  let awaited = promise;
  let unwrapped = false;
  try {
    for (;;) {
      if (run.final !== undefined) return { kind: "final", json: run.final };
      const jobs = runtime.executePendingJobs();
      if (jobs.error) return failure(jobs.error);
      if (run.final !== undefined) return { kind: "final", json: run.final };
      const state = context.getPromiseState(awaited);
      if (state.type === "fulfilled" && !unwrapped) {
        unwrapped = true;
        // The record's own data property: reading it runs nothing of the code's.
        const value = context.typeof(state.value) === "object" ? context.getProp(state.value, "value") : context.undefined;
        if (!state.notAPromise) state.value.dispose();
        const inner = context.getPromiseState(value);
        if (inner.type === "fulfilled" && inner.notAPromise) {
          try {
            return output(value);
          } finally {
            value.dispose();
          }
        }
        if (inner.type === "fulfilled") inner.value.dispose();
        if (inner.type === "rejected") inner.error.dispose();
        awaited.dispose();
        awaited = value;
        continue;
      }
      if (state.type === "fulfilled") {
        const result = output(state.value);
        if (!state.notAPromise) state.value.dispose();
        return result;
      }
      if (state.type === "rejected") return failure(state.error);
      if (runtime.hasPendingJob()) continue;
      // An interrupt can end a promise job without settling the snippet's promise.
      if (interruptReason() !== 0) return { kind: "interrupted", reason: interruptReason(), frames: [] };
      const delay = sandbox.callInternal("nextTimerDelay");
      if (delay < 0) return neverSettles();
      if (delay > 0 && sleep(delay)) return { kind: "interrupted", reason: interruptReason(), frames: [] };
      const fired = sandbox.callUser("fireTimer");
      if (fired.error) return failure(fired.error);
      fired.value.dispose();
    }
  } finally {
    awaited.dispose();
  }
}

/** The run's value as JSON, if it fits; converting it runs the code's toJSON, which may call no tool. */
function output(valueHandle) {
  const converted = concluding(() => sandbox.callUser("outputJson", valueHandle));
  if (converted.error) return failure(converted.error);
  const text = sandbox.guestText(converted.value);
  const json = text.length >= 0 && text.length <= maxValueChars ? text.read() : undefined;
  converted.value.dispose();
  if (run.final !== undefined) return { kind: "final", json: run.final };
  if (json !== undefined) return { kind: "value", json };
  return { kind: "error", error: { type: "RangeError", message: tooLarge("the last line's value", text.length), frames: [] } };
}

/**
 * Runs `work` (working out what the run gave: its value or its error) with tool calls, answers
 * and output refused: code it runs (a toJSON, or a getter planted in an earlier run) must not act.
 */
function concluding(work) {
  run.concluding = true;
  try {
    return work();
  } finally {
    run.concluding = false;
  }
}

/**
 * Not even the snippet could be compiled: the memory is full of what earlier runs hold, and no
 * code can run to free it. Only a fresh thread helps; the host then says the state is gone.
 */
function memoryFull() {
  throw new Error("out of memory: the sandbox's memory is full of earlier data, so no code can run");
}

/** What an exception means: the final answer, an interrupt, or the code's own error. Disposes it. */
function failure(errorHandle) {
  try {
    if (run.final !== undefined) return { kind: "final", json: run.final };
    // Describing the error needs memory too.
    if (memoryCap.exhausted) {
      reserveHeld = false;
      sandbox.callGuarded("releaseReserve").value?.dispose();
    }
    const described = concluding(() => describe(errorHandle));
    const reason = interruptReason();
    if (reason !== 0) return { kind: "interrupted", reason, frames: described.frames };
    // With memory exhausted QuickJS may not even manage to build its error, and throws null.
    if (memoryCap.exhausted && described.frames.length === 0 && /^Uncaught (null|undefined)$/.test(described.message)) {
      return { kind: "error", error: { type: "InternalError", message: "out of memory", frames: [] } };
    }
    return { kind: "error", error: described };
  } finally {
    errorHandle.dispose();
  }
}

function describe(errorHandle) {
  const described = sandbox.callUser("describeError", errorHandle);
  if (!described.error) {
    const json = sandbox.readText(described.value, MAX_DESCRIPTION_CHARS);
    described.value.dispose();
    const report = json === undefined ? undefined : parseReport(json);
    if (report !== undefined) return report;
  } else {
    described.error.dispose();
  }
  // Describing failed (interrupted, out of memory even with the reserve, or too long): say what we can.
  return { type: "Error", message: sandbox.errorMessage(errorHandle), frames: [] };
}

/** The longest error description the worker reads (its message is cut far shorter for the model). */
const MAX_DESCRIPTION_CHARS = 200_000;

/** `{ type, message, frames }` from the sandbox runtime's JSON, or undefined if it is not that. */
function parseReport(json) {
  try {
    const report = JSON.parse(json);
    const frames = Array.isArray(report?.frames) ? report.frames.filter((frame) => Array.isArray(frame) && typeof frame[0] === "number" && typeof frame[1] === "string") : [];
    if (typeof report?.type === "string" && typeof report.message === "string") return { type: report.type, message: report.message, frames };
  } catch {
    // Not JSON: described below from the error itself.
  }
  return undefined;
}

function neverSettles() {
  const message =
    "The code is waiting for a promise that nothing can settle any more, so the run stopped. " +
    "Tool calls return their results directly; await only promises that tools, timers or your own code resolve.";
  return { kind: "error", error: { type: "Error", message, frames: [] } };
}

/**
 * Promise jobs left by a run must not run in the next one. With `draining` set they run with tool
 * calls refused, output and answers dropped, and the interrupt handler stopping each at its next
 * check, until none is left. Code can keep making new jobs for ever, though, so draining has a time
 * limit: true when jobs are left after it, and the thread must then never run code again (the host
 * ends it; its replacement starts with an empty queue).
 */
function windDown() {
  run.draining = true;
  const until = performance.now() + DRAIN_MS;
  let left = runtime.hasPendingJob();
  while (left && performance.now() < until) {
    const jobs = runtime.executePendingJobs(DRAIN_BATCH);
    if (jobs.error) jobs.error.dispose();
    left = runtime.hasPendingJob();
  }
  // The run's timers are dropped here or, when the reserve is in place, by the next run's begin():
  // nothing fires a timer between runs, and a trivial run is spared a call into the sandbox.
  if (!reserveHeld) reserveHeld = sandbox.callInternal("end", reserveBytes) === 1;
  return left;
}

/**
 * How long a run's leftover promise jobs may take to drain, and how many run between checks. Well
 * under the host's grace period after an interrupt, so a drained thread is not taken for a stuck one.
 */
const DRAIN_MS = 400;
const DRAIN_BATCH = 1_000;

// ------------------------------------------------------------------ requests

function handle(message) {
  switch (message.type) {
    case "run":
      hostPort.postMessage({ type: "result", id: message.id, ...runCode(message) });
      return;
    case "configure":
      memoryCap.configure(message.memoryLimitBytes);
      reserveBytes = message.memoryLimitBytes < 0 ? 0 : Math.min(settings.reserveBytes, Math.floor(message.memoryLimitBytes / 8));
      reserveHeld = sandbox.callInternal("holdReserve", reserveBytes) === 1;
      maxOutputChars = message.maxOutputChars;
      maxValueChars = message.maxValueChars;
      toolNames = message.tools;
      sandbox.callInternal("installTools", JSON.stringify(toolNames));
      break;
    case "tools":
      toolNames = message.tools;
      sandbox.callInternal("installTools", JSON.stringify(toolNames));
      break;
    case "variables":
      // The host's own data: parsed and stored in QuickJS even when the code filled the memory.
      memoryCap.lift(message.json.length * 4, () => sandbox.callInternal("setVariables", message.json));
      break;
    case "reset":
      sandbox.dispose();
      sandbox = createSandbox();
      break;
    default:
      throw new Error(`unknown request ${message.type}`);
  }
  hostPort.postMessage({ type: "done", id: message.id });
}

function serve(message) {
  try {
    handle(message);
  } catch (error) {
    // A WebAssembly trap (stack exhausted, memory fault) or a bug of ours leaves QuickJS in an
    // unknown state: report it and end this thread; the host starts a fresh one.
    hostPort.postMessage({ type: "fatal", id: message.id, message: String(error?.message ?? error) });
    process.exit(1);
  }
}

parentPort.on("message", (message) => {
  serve(message);
  for (let until = performance.now() + REQUEST_POLL_MS; performance.now() < until; ) {
    const next = receiveMessageOnPort(parentPort);
    if (next === undefined) continue;
    serve(next.message);
    until = performance.now() + REQUEST_POLL_MS;
  }
});
hostPort.postMessage({ type: "ready" });
