// One QuickJS context with the sandbox's globals installed, and the calls the worker makes into
// it. The context sees the host only through `host`, whose functions take and return strings and
// numbers; sandbox-values.mjs, sandbox-timers.mjs and sandbox-runtime.mjs are evaluated inside it
// from their source.

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
 * argumentsJson) -> replyJson`, `finish(answerJson)`. `guard(running)` is told when the sandbox's
 * own functions start and stop running, so the interrupt handler leaves them alone.
 */
export function openContext(runtime, settings, host, guard) {
  const context = runtime.newContext();
  const hostObject = context.newObject();
  const define = (name, implementation) => {
    const handle = context.newFunction(name, implementation);
    context.setProp(hostObject, name, handle);
    handle.dispose();
  };
  define("write", (text, length) => context.newNumber(host.write(context.getString(text), context.getNumber(length))));
  define("callTool", (name, args) => context.newString(host.callTool(context.getString(name), context.getString(args))));
  define("finish", (json) => {
    host.finish(context.getString(json));
  });
  const promiseState = context.newFunction("promiseState", (value) => context.newString(promiseStateOf(context, value)));
  const options = context.unwrapResult(context.evalCode(`(${JSON.stringify(settings)})`, "settings.js", { type: "global" }));
  const valuesFactory = context.unwrapResult(context.evalCode(`(${sandboxValues})`, "sandbox-values.js", { type: "global" }));
  const values = context.unwrapResult(context.callFunction(valuesFactory, context.undefined, promiseState));
  const timersFactory = context.unwrapResult(context.evalCode(`(${sandboxTimers})`, "sandbox-timers.js", { type: "global" }));
  const timers = context.unwrapResult(context.callFunction(timersFactory, context.undefined));
  const runtimeFactory = context.unwrapResult(context.evalCode(`(${sandboxRuntime})`, "sandbox-runtime.js", { type: "global" }));
  const api = context.unwrapResult(context.callFunction(runtimeFactory, context.undefined, hostObject, values, timers, options));
  const functions = {};
  for (const name of RUNTIME_FUNCTIONS) functions[name] = context.getProp(api, name);
  const intermediate = [hostObject, promiseState, options, valuesFactory, values, timersFactory, timers, runtimeFactory, api];
  for (const handle of intermediate) handle.dispose();

  /**
   * Calls a function of sandbox-runtime.mjs that may run the model's code (getters, toJSON, timer
   * callbacks), so it can be interrupted. Returns `{ value }` or `{ error }`; the caller disposes.
   */
  function callUser(name, ...args) {
    const created = [];
    const handles = args.map((arg) => {
      if (typeof arg !== "string" && typeof arg !== "number") return arg;
      const handle = typeof arg === "string" ? context.newString(arg) : context.newNumber(arg);
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

  /** Calls one of the sandbox's own functions, which must succeed; returns its result as a JS value. */
  function callInternal(name, ...args) {
    const result = callGuarded(name, ...args);
    if (result.error) {
      const error = context.dump(result.error);
      result.error.dispose();
      throw new Error(`the sandbox runtime's ${name}() failed: ${error?.message ?? JSON.stringify(error)}`);
    }
    const value = context.dump(result.value);
    result.value.dispose();
    return value;
  }

  return {
    context,
    callUser,
    callGuarded,
    callInternal,
    dispose() {
      for (const handle of Object.values(functions)) handle.dispose();
      context.dispose();
    },
  };
}

/** "" for a value that is not a promise, else its state. */
function promiseStateOf(context, value) {
  const state = context.getPromiseState(value);
  if (state.type === "fulfilled" && state.notAPromise) return "";
  if (state.type === "fulfilled") state.value.dispose();
  if (state.type === "rejected") state.error.dispose();
  return state.type;
}
