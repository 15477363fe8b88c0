// The sandbox's own globals: console, final_answer, the tools, the timers of sandbox-timers.mjs,
// and the helpers the rewritten code calls (`__codeagent.rethrow`, ...). Like sandbox-values.mjs,
// `sandboxRuntime` is evaluated inside QuickJS from its source text, before any of the model's
// code, and must be self-contained. It talks to the worker only through the `host` functions it is
// given, which take and return strings and numbers: no object crosses between QuickJS and Node.

/**
 * Installs the sandbox globals and returns the functions the worker drives each run with.
 *
 * `host`: `write(text, fullLength) -> room left`, `callTool(name, argumentsJson) -> replyJson`,
 * `finish(answerJson)`. `values` and `timers`: the results of `sandboxValues` and `sandboxTimers`.
 * `options`: `codeFile` (the file name of the model's code in stack traces), `mainFunction`,
 * `noModulesTail`, `maxOutputJson`.
 */
export function sandboxRuntime(host, values, timers, options) {
  "use strict";
  const global = globalThis;
  const { create, defineProperty, freeze, getOwnPropertyDescriptor, keys, setPrototypeOf } = Object;
  const uncurry = Function.prototype.bind.bind(Function.prototype.call);
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const now = Date.now;
  const StringOf = String;
  const NumberOf = Number;
  const { max, trunc } = Math;
  const join = uncurry(Array.prototype.join);
  const stringSlice = uncurry(String.prototype.slice);
  const stringSplit = uncurry(String.prototype.split);
  const stringReplace = uncurry(String.prototype.replace);
  const regExpExec = uncurry(RegExp.prototype.exec);
  const ErrorConstructor = Error;
  const TypeErrorConstructor = TypeError;
  const { format, toJson, isError, attempt } = values;

  // ---------------------------------------------------------------- control signals
  // Thrown to end the run; every catch clause in the model's code rethrows them first. They are
  // errors (with a stack, so a stopped run can say where it stopped), told apart by identity.
  const signals = new WeakSet();
  const signalHas = uncurry(WeakSet.prototype.has);
  const signalAdd = uncurry(WeakSet.prototype.add);
  const signal = (message) => {
    const error = new ErrorConstructor(message);
    signalAdd(signals, error);
    return error;
  };
  const rethrow = (caught) => {
    if (typeof caught === "object" && caught !== null && signalHas(signals, caught)) throw caught;
  };

  // ---------------------------------------------------------------- output
  let room = 0;
  function write(text) {
    room = host.write(text.length <= room ? text : stringSlice(text, 0, max(room, 0)), text.length);
  }

  function formatArguments(args) {
    let first = 0;
    let text = "";
    if (typeof args[0] === "string" && args.length > 1) {
      // printf-style directives, as console.log does in Node.
      let next = 1;
      text = stringReplace(args[0], /%[sdifjoOc%]/g, (directive) => {
        if (directive === "%%") return "%";
        if (next >= args.length) return directive;
        const value = args[next++];
        switch (directive) {
          case "%s":
            return typeof value === "string" ? value : format(value);
          case "%d":
          case "%i":
            return typeof value === "bigint" ? `${value}n` : StringOf(directive === "%i" ? trunc(NumberOf(value)) : NumberOf(value));
          case "%f":
            return StringOf(NumberOf(value));
          case "%j":
            return attempt(() => stringify(value), "[Circular]");
          case "%c":
            return "";
          default:
            return format(value);
        }
      });
      first = next;
    } else if (args.length > 0) {
      text = typeof args[0] === "string" ? args[0] : format(args[0]);
      first = 1;
    }
    const parts = [text];
    for (let index = first; index < args.length; index++) parts[parts.length] = typeof args[index] === "string" ? args[index] : format(args[index]);
    return join(parts, " ");
  }

  const log = (...args) => write(`${formatArguments(args)}\n`);
  const counts = create(null);
  const timings = create(null);
  const console = freeze({
    log,
    info: log,
    debug: log,
    warn: log,
    error: log,
    trace: (...args) => write(`Trace: ${formatArguments(args)}\n`),
    dir: (value) => write(`${format(value)}\n`),
    table: (value) => write(`${format(value)}\n`),
    assert: (condition, ...args) => {
      if (!condition) write(`Assertion failed${args.length > 0 ? `: ${formatArguments(args)}` : ""}\n`);
    },
    count: (label = "default") => {
      counts[label] = (counts[label] ?? 0) + 1;
      write(`${label}: ${counts[label]}\n`);
    },
    time: (label = "default") => {
      timings[label] = now();
    },
    timeEnd: (label = "default") => {
      if (timings[label] !== undefined) write(`${label}: ${now() - timings[label]}ms\n`);
      delete timings[label];
    },
  });

  // ---------------------------------------------------------------- final answer and tools
  function final_answer(answer) {
    host.finish(toJson(answer, options.maxOutputJson));
    throw signal("final_answer() was called: the run is over");
  }

  function callTool(name, args) {
    let request;
    try {
      const plain = [];
      for (let index = 0; index < args.length; index++) plain[index] = values.toPlain(args[index]);
      request = stringify(plain);
    } catch (error) {
      throw new TypeErrorConstructor(`${name}() got arguments that cannot be sent to the tool: ${format(error)}`);
    }
    const reply = parse(host.callTool(name, request));
    if (reply.ok) return reply.value;
    if (reply.error.type === "interrupted") throw signal(reply.error.message);
    if (reply.error.type === "ToolArgumentError") throw new TypeErrorConstructor(reply.error.message);
    throw new ErrorConstructor(`${name}() failed: ${reply.error.message}`);
  }

  // A tool is a frozen function with no prototype: nothing reachable from it leads anywhere.
  function makeTool(name) {
    const tool = (...args) => callTool(name, args);
    defineProperty(tool, "name", { value: name });
    setPrototypeOf(tool, null);
    return freeze(tool);
  }

  // ---------------------------------------------------------------- modules
  class ImportError extends ErrorConstructor {}
  defineProperty(ImportError.prototype, "name", { value: "ImportError", configurable: true, writable: true });
  const noModules = (specifier) => new ImportError(`The module '${StringOf(specifier)}' cannot be loaded${options.noModulesTail}`);
  const require = (specifier) => {
    throw noModules(specifier);
  };
  const importModule = async (specifier) => {
    throw noModules(specifier);
  };

  // ---------------------------------------------------------------- errors
  const FRAME = /^\s*at (?:(.*) \()?([^():]+):(\d+)(?::\d+)?\)?$/;

  /** What went wrong, as JSON: `{ type, message, frames: [[line, functionName], ...] }`. */
  function describeError(reason) {
    if (!isError(reason)) {
      return stringify({ type: "Error", message: `Uncaught ${attempt(() => format(reason), "value")}`, frames: [] });
    }
    const type = attempt(() => StringOf(reason.name), "Error");
    const message = attempt(() => StringOf(reason.message), "");
    const stack = attempt(() => reason.stack, "");
    const frames = [];
    const lines = typeof stack === "string" ? stringSplit(stack, "\n") : [];
    for (let index = 0; index < lines.length && frames.length < 200; index++) {
      const match = regExpExec(FRAME, lines[index]);
      if (match === null || match[2] !== options.codeFile) continue;
      const name = match[1] === undefined || match[1] === options.mainFunction || match[1] === "<eval>" ? "" : match[1];
      frames[frames.length] = [NumberOf(match[3]), name];
    }
    return stringify({ type, message, frames });
  }

  // ---------------------------------------------------------------- globals
  const helpers = freeze({
    __proto__: null,
    rethrow,
    importModule,
    defineFunction(name, value) {
      defineProperty(value, "name", { value: name, configurable: true });
      defineGlobal(name, value, { writable: true, enumerable: true, configurable: true });
    },
  });

  // Globals put back before every run, whatever the previous run did to them. They are
  // non-configurable, so code can neither delete them nor turn them into getters, and the value is
  // put back each time. (QuickJS lets defineProperty change the value of even a read-only,
  // non-configurable property of the global object, so "read-only" alone would not hold.)
  let fixtures = [];
  const fixture = (name, value, writable = true) => (fixtures[fixtures.length] = [name, value, writable]);
  fixture("console", console);
  fixture("final_answer", final_answer);
  fixture("setTimeout", timers.setTimeout);
  fixture("setInterval", timers.setInterval);
  fixture("clearTimeout", timers.clearTimer);
  fixture("clearInterval", timers.clearTimer);
  fixture("queueMicrotask", timers.queueMicrotask);
  fixture("require", require, false);
  fixture("__codeagent", helpers, false);
  const baseFixtures = fixtures;

  /** Defines a global; if the code made the name non-configurable, at least puts the value back. */
  function defineGlobal(name, value, attributes) {
    try {
      defineProperty(global, name, { value, writable: attributes.writable, enumerable: attributes.enumerable, configurable: attributes.configurable });
    } catch {
      try {
        defineProperty(global, name, { value });
      } catch {
        // Nothing more can be done; the run goes on without it.
      }
    }
  }
  const restoreFixtures = () => {
    for (let index = 0; index < fixtures.length; index++) {
      const entry = fixtures[index];
      // The descriptor, not the value: reading a getter the code put there would run its code.
      if (getOwnPropertyDescriptor(global, entry[0])?.value !== entry[1]) {
        defineGlobal(entry[0], entry[1], { writable: entry[2], enumerable: false, configurable: false });
      }
    }
  };
  restoreFixtures();

  // Memory held back from the code, so that after it fills the memory there is still room to
  // report that and to run the next snippet (which may free what the first one holds).
  const ArrayBufferConstructor = ArrayBuffer;
  let reserve = null;
  let reserveSize = 0;

  function holdReserve(bytes) {
    if (reserve !== null && reserveSize === bytes) return;
    reserve = null;
    reserveSize = bytes;
    if (bytes <= 0) return;
    try {
      reserve = new ArrayBufferConstructor(bytes);
    } catch {
      // Memory is still full; the next run tries again.
    }
  }

  return freeze({
    __proto__: null,
    holdReserve,
    releaseReserve() {
      reserve = null;
    },
    /** Restores the fixtures (the previous run may have replaced them) and the output budget. */
    begin(outputRoom) {
      room = outputRoom;
      timers.clearAll();
      restoreFixtures();
    },
    /** Drops the run's timers and takes the memory reserve back if it was lent. */
    end(reserveBytes) {
      timers.clearAll();
      holdReserve(reserveBytes);
    },
    installTools(namesJson) {
      const names = parse(namesJson);
      // Tools that are gone cannot be deleted (they are non-configurable): they become undefined.
      for (let index = baseFixtures.length; index < fixtures.length; index++) {
        defineGlobal(fixtures[index][0], undefined, { writable: true, enumerable: false, configurable: false });
      }
      fixtures = [];
      for (let index = 0; index < baseFixtures.length; index++) fixtures[index] = baseFixtures[index];
      for (let index = 0; index < names.length; index++) fixture(names[index], makeTool(names[index]));
      restoreFixtures();
    },
    setVariables(json) {
      const variables = parse(json);
      const names = keys(variables);
      for (let index = 0; index < names.length; index++) {
        defineGlobal(names[index], variables[names[index]], { writable: true, enumerable: true, configurable: true });
      }
    },
    outputJson: (value) => toJson(value, options.maxOutputJson),
    describeError,
    nextTimerDelay: timers.nextTimerDelay,
    fireTimer: timers.fireTimer,
  });
}
