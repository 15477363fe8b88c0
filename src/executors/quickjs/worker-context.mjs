// One QuickJS context with the sandbox's globals installed, and the calls the worker makes into
// it. The context sees the host only through `host`, whose functions take and return strings and
// numbers; sandbox-binary.mjs, sandbox-values.mjs, sandbox-timers.mjs and sandbox-runtime.mjs are
// evaluated inside it from their source. A string the code hands over is measured before it is
// copied out of QuickJS's memory: the host decides from its length whether to read it at all, so
// no text larger than a limit ever reaches the worker's heap.

import { sandboxBinary } from "./sandbox-binary.mjs";
import { sandboxRuntime } from "./sandbox-runtime.mjs";
import { sandboxTimers } from "./sandbox-timers.mjs";
import { sandboxValues } from "./sandbox-values.mjs";

const RUNTIME_FUNCTIONS = [
  "begin",
  "end",
  "installTools",
  "setVariables",
  "outputJson",
  "describeError",
  "nextTimerDelay",
  "fireTimer",
  "holdReserve",
  "releaseReserve",
];

/**
 * Creates a context in `runtime`. `host`: `write(text, fullLength) -> room`, `callTool(name,
 * argumentsJson) -> replyJson`, `finish(answerJson) -> refusal` ("" when accepted), where each
 * text is a {@link GuestText}. `guard(running)` is told when the sandbox's own functions start and
 * stop running, so the interrupt handler leaves them alone. `lift(bytes, transfer)` runs a copy of
 * a text into or out of QuickJS with room for it past the memory limit (see worker-memory.mjs).
 */
export function openContext(runtime, settings, host, guard, lift = (bytes, transfer) => transfer()) {
  const context = runtime.newContext();
  const hostObject = context.newObject();
  const define = (name, implementation) => {
    const handle = context.newFunction(name, implementation);
    context.setProp(hostObject, name, handle);
    handle.dispose();
  };
  const text = (handle) => guestText(context, handle, lift);
  /** A string of the host's in QuickJS: its UTF-8 copy and QuickJS's own (up to 2 bytes a character). */
  const newString = (value) => lift(value.length * 2, () => context.newString(value));
  define("write", (written, length) => context.newNumber(host.write(text(written), context.getNumber(length))));
  define("callTool", (name, args) => newString(host.callTool(text(name), text(args))));
  define("finish", (json) => context.newString(host.finish(text(json))));
  const promiseState = context.newFunction("promiseState", (value) => context.newString(promiseStateOf(context, value)));
  const options = context.unwrapResult(context.evalCode(`(${JSON.stringify(settings)})`, "settings.js", { type: "global" }));
  const binaryFactory = context.unwrapResult(context.evalCode(`(${sandboxBinary})`, "sandbox-binary.js", { type: "global" }));
  const binary = context.unwrapResult(context.callFunction(binaryFactory, context.undefined));
  const valuesFactory = context.unwrapResult(context.evalCode(`(${sandboxValues})`, "sandbox-values.js", { type: "global" }));
  const values = context.unwrapResult(context.callFunction(valuesFactory, context.undefined, promiseState, binary));
  const timersFactory = context.unwrapResult(context.evalCode(`(${sandboxTimers})`, "sandbox-timers.js", { type: "global" }));
  const timers = context.unwrapResult(context.callFunction(timersFactory, context.undefined));
  const runtimeFactory = context.unwrapResult(context.evalCode(`(${sandboxRuntime})`, "sandbox-runtime.js", { type: "global" }));
  const api = context.unwrapResult(context.callFunction(runtimeFactory, context.undefined, hostObject, values, timers, options));
  const functions = {};
  for (const name of RUNTIME_FUNCTIONS) functions[name] = context.getProp(api, name);
  const intermediate = [hostObject, promiseState, options, binaryFactory, binary, valuesFactory, values, timersFactory, timers, runtimeFactory, api];
  for (const handle of intermediate) handle.dispose();

  /**
   * Calls a function of sandbox-runtime.mjs that may run the model's code (getters, toJSON, timer
   * callbacks), so it can be interrupted. Returns `{ value }` or `{ error }`; the caller disposes.
   */
  function callUser(name, ...args) {
    const created = [];
    const handles = args.map((arg) => {
      if (typeof arg !== "string" && typeof arg !== "number") return arg;
      const handle = typeof arg === "string" ? newString(arg) : context.newNumber(arg);
      created.push(handle);
      return handle;
    });
    try {
      return context.callFunction(functions[name], context.undefined, ...handles);
    } finally {
      for (const handle of created) handle.dispose();
    }
  }

  /** Calls one of the sandbox's own functions, which cannot be interrupted. Returns `{ value }` or `{ error }`. */
  function callGuarded(name, ...args) {
    guard(true);
    try {
      return callUser(name, ...args);
    } finally {
      guard(false);
    }
  }

  /**
   * Calls one of the sandbox's own functions, which must succeed; returns its result if it is a
   * number (the only kind they return), else undefined.
   */
  function callInternal(name, ...args) {
    const result = callGuarded(name, ...args);
    if (result.error) {
      const message = errorMessage(result.error);
      result.error.dispose();
      throw new Error(`the sandbox runtime's ${name}() failed: ${message}`);
    }
    const value = context.typeof(result.value) === "number" ? context.getNumber(result.value) : undefined;
    result.value.dispose();
    return value;
  }

  /** The `message` of an error the code may have made, read only if it is a short string. */
  function errorMessage(errorHandle) {
    if (context.typeof(errorHandle) !== "object") return "a value that is not an error was thrown";
    const message = lift(SMALL_COPY_BYTES, () => context.getProp(errorHandle, "message"));
    try {
      return readText(message, MAX_ERROR_TEXT) ?? "an error without a readable message";
    } finally {
      message.dispose();
    }
  }

  /** The string `handle` holds, or undefined when it is not a string or is longer than `maxChars`. */
  function readText(handle, maxChars) {
    const found = text(handle);
    return found.length >= 0 && found.length <= maxChars ? found.read() : undefined;
  }

  return {
    context,
    callUser,
    callGuarded,
    callInternal,
    guestText: text,
    readText,
    errorMessage,
    dispose() {
      for (const handle of Object.values(functions)) handle.dispose();
      context.dispose();
    },
  };
}

/** Room past the limit for a property key and the value block QuickJS hands back. */
const SMALL_COPY_BYTES = 64 * 1024;

/** The longest error text the worker reads from the sandbox (messages are cut far shorter later). */
const MAX_ERROR_TEXT = 100_000;

/**
 * A string the code handed to the host, not yet copied out: `length` is -1 for a value that is not
 * a string. QuickJS answers `length` of a string itself, whatever the code did to String.prototype.
 * `read()` copies it out; call it only during the host function's call.
 */
function guestText(context, handle, lift) {
  if (context.typeof(handle) !== "string") return { length: -1, read: () => "" };
  const lengthHandle = lift(SMALL_COPY_BYTES, () => context.getProp(handle, "length"));
  const length = context.getNumber(lengthHandle);
  lengthHandle.dispose();
  // Copied out as UTF-8: up to 3 bytes a character.
  return { length, read: () => lift(length * 3, () => context.getString(handle)) };
}

/** "" for a value that is not a promise, else its state. */
function promiseStateOf(context, value) {
  const state = context.getPromiseState(value);
  if (state.type === "fulfilled" && state.notAPromise) return "";
  if (state.type === "fulfilled") state.value.dispose();
  if (state.type === "rejected") state.error.dispose();
  return state.type;
}
