// The sandbox's own globals: console, final_answer, the tools, the timers of sandbox-timers.mjs,
// and the helpers the rewritten code calls (`__codeagent.rethrow`, ...). Like sandbox-values.mjs,
// `sandboxRuntime` is evaluated inside QuickJS from its source text, before any of the model's
// code, and must be self-contained. It talks to the worker only through the `host` functions it is
// given, which take and return strings and numbers: no object crosses between QuickJS and Node.
//
// The code can replace every built-in it reaches, and whatever it changes stays for later runs. So
// this file calls only built-ins captured before the code's first line, and never lets the code's
// prototypes in: lists and records it builds have no prototype (an assignment to `list[0]` cannot
// reach a setter on Array.prototype, and JSON.stringify finds no `toJSON` on them), property
// descriptors have none either, no regular expression is matched through RegExp.prototype's
// replaceable methods, and text is joined with `+`, never a template literal (QuickJS builds one by
// calling `String.prototype.concat`). The limits themselves are kept by the worker, outside the
// code's reach.

/**
 * Installs the sandbox globals and returns the functions the worker drives each run with.
 *
 * `host`: `write(text, fullLength) -> room left`, `callTool(name, argumentsJson) -> replyJson`,
 * `finish(answerJson)`. `values` and `timers`: the results of `sandboxValues` and `sandboxTimers`.
 * `options`: `codeFile` (the file name of the model's code in stack traces), `mainFunction`,
 * `noModulesTail` and `userModulesTail` (what follows the names of the user's modules).
 */
export function sandboxRuntime(host, values, timers, options) {
  "use strict";
  const global = globalThis;
  const { create, defineProperty, freeze, getOwnPropertyDescriptor, keys } = Object;
  const uncurry = Function.prototype.bind.bind(Function.prototype.call);
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const now = Date.now;
  const StringOf = String;
  const NumberOf = Number;
  const { max, trunc } = Math;
  const join = uncurry(Array.prototype.join);
  const stringSlice = uncurry(String.prototype.slice);
  const indexOf = uncurry(String.prototype.indexOf);
  const charAt = uncurry(String.prototype.charAt);
  const regExpExec = uncurry(RegExp.prototype.exec);
  const hasOwn = uncurry(Object.prototype.hasOwnProperty);
  const ErrorConstructor = Error;
  const TypeErrorConstructor = TypeError;
  const RangeErrorConstructor = RangeError;
  const { format, toJson, isError, attempt, list } = values;
  const MAX_MESSAGE_CHARS = 10_000;
  // Its callbacks would run whenever the garbage collector finds an object gone: in a later run,
  // which code must never reach. Nothing else of the sandbox needs it.
  delete global.FinalizationRegistry;

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
  // Room left in the run's output, and what was cut from the line being built: a line is cut piece
  // by piece, so printing a huge string never copies more of it than can be shown.
  let room = 0;
  let cutChars = 0;
  function write(text) {
    const fullLength = text.length + cutChars;
    cutChars = 0;
    room = host.write(text.length <= room ? text : stringSlice(text, 0, max(room, 0)), fullLength);
  }

  /** `text`, cut to the room left; what is cut is counted for the truncation note. */
  function piece(text) {
    if (text.length <= room) return text;
    cutChars += text.length - max(room, 0);
    return stringSlice(text, 0, max(room, 0));
  }

  /** The text of one printf-style directive (`%s`, `%d`, ...) for `value`. */
  function directiveText(letter, value) {
    switch (letter) {
      case "s":
        return typeof value === "string" ? value : format(value);
      case "d":
      case "i":
        return typeof value === "bigint" ? (value + "n") : StringOf(letter === "i" ? trunc(NumberOf(value)) : NumberOf(value));
      case "f":
        return StringOf(NumberOf(value));
      case "j":
        return attempt(() => stringify(values.toPlain(value)), "[Circular]");
      case "c":
        return "";
      default:
        return format(value);
    }
  }

  /** `template` with its printf-style directives filled from `args[1...]`, as console.log does in Node. */
  function fillDirectives(template, args, parts) {
    let next = 1;
    let start = 0;
    for (let percent = indexOf(template, "%"); percent >= 0 && percent + 1 < template.length; percent = indexOf(template, "%", start)) {
      const letter = charAt(template, percent + 1);
      const known = indexOf("sdifjoOc%", letter) >= 0;
      if (!known || (letter !== "%" && next >= args.length)) {
        parts[parts.length] = stringSlice(template, start, percent + 2);
      } else {
        parts[parts.length] = stringSlice(template, start, percent);
        parts[parts.length] = letter === "%" ? "%" : piece(directiveText(letter, args[next++]));
      }
      start = percent + 2;
    }
    parts[parts.length] = stringSlice(template, start);
    return next;
  }

  function formatArguments(args) {
    let first = args.length > 0 ? 1 : 0;
    const head = list();
    if (typeof args[0] === "string" && args.length > 1) first = fillDirectives(piece(args[0]), args, head);
    else if (args.length > 0) head[0] = piece(typeof args[0] === "string" ? args[0] : format(args[0]));
    const parts = list();
    parts[0] = join(head, "");
    for (let index = first; index < args.length; index++) parts[parts.length] = piece(typeof args[index] === "string" ? args[index] : format(args[index]));
    return join(parts, " ");
  }

  const log = (...args) => write(formatArguments(args) + "\n");
  const counts = create(null);
  const timings = create(null);
  const console = freeze({
    log,
    info: log,
    debug: log,
    warn: log,
    error: log,
    trace: (...args) => write("Trace: " + formatArguments(args) + "\n"),
    dir: (value) => write(format(value) + "\n"),
    table: (value) => write(format(value) + "\n"),
    assert: (condition, ...args) => {
      if (!condition) write("Assertion failed" + (args.length > 0 ? (": " + formatArguments(args)) : "") + "\n");
    },
    count: (label = "default") => {
      counts[label] = (counts[label] ?? 0) + 1;
      write(label + ": " + counts[label] + "\n");
    },
    time: (label = "default") => {
      timings[label] = now();
    },
    timeEnd: (label = "default") => {
      if (timings[label] !== undefined) write(label + ": " + (now() - timings[label]) + "ms\n");
      delete timings[label];
    },
  });

  // ---------------------------------------------------------------- final answer and tools
  function final_answer(answer) {
    const refusal = host.finish(toJson(answer));
    if (refusal !== "") throw new RangeErrorConstructor(refusal);
    throw signal("final_answer() was called: the run is over");
  }

  function callTool(name, args) {
    let request;
    try {
      const plain = list();
      for (let index = 0; index < args.length; index++) plain[index] = values.toPlain(args[index]);
      request = stringify(plain);
    } catch (error) {
      throw new TypeErrorConstructor(name + "() got arguments that cannot be sent to the tool: " + format(error));
    }
    const text = host.callTool(name, request);
    const reply = parse(text);
    if (reply.ok) return values.mayHoldTags(text) ? received(name, reply.value) : reply.value;
    const { type, message } = reply.error;
    if (type === "interrupted") throw signal(message);
    if (type === "ToolArgumentError") throw new TypeErrorConstructor(message);
    if (type === "RangeError" || type === "ValueTooLarge") throw new RangeErrorConstructor(message);
    throw new ErrorConstructor(name + "() failed: " + message);
  }

  /** A tool's result with its bytes and images made real; a malformed one is the tool's error. */
  function received(name, value) {
    try {
      return values.revive(value);
    } catch (error) {
      throw new TypeErrorConstructor(name + "() returned a value that cannot be read: " + format(error));
    }
  }

  // A tool is a frozen function with no prototype: nothing reachable from it leads anywhere.
  function makeTool(name) {
    const tool = (...args) => callTool(name, args);
    defineProperty(tool, "name", descriptor(name));
    values.orphan(tool);
    return freeze(tool);
  }

  /** A property descriptor the code's Object.prototype cannot add `get` or `set` to. */
  function descriptor(value, writable = false, enumerable = false, configurable = false) {
    return { __proto__: null, value, writable, enumerable, configurable };
  }

  // ---------------------------------------------------------------- modules
  // The user's modules (module-transform.ts): each file is a factory, defined once when the sandbox
  // starts and run the first time something imports it. Their namespaces are records without a
  // prototype whose exports are getters of the module's own bindings.
  class ImportError extends ErrorConstructor {}
  defineProperty(ImportError.prototype, "name", descriptor("ImportError", true, false, true));
  const moduleFiles = create(null); // path -> [resolved imports, factory]
  const moduleEntries = create(null); // module name -> path of the file its import loads
  const moduleNamespaces = create(null); // path -> namespace, also while the module runs
  let moduleNames = list();
  let modulesNamed = false;
  const MAX_LOAD_MESSAGE_CHARS = 2_000;

  const missingModule = (specifier) => {
    const text = "The module '" + StringOf(specifier) + "' cannot be loaded";
    if (moduleNames.length === 0) return new ImportError(text + options.noModulesTail);
    return new ImportError(text + ": the only modules here are the ones you were given (" + join(moduleNames, ", ") + ")" + options.userModulesTail);
  };

  /** The file a bare specifier names: a module's name, or a path inside its folder. */
  function resolveBare(specifier) {
    if (typeof specifier !== "string") return undefined;
    if (hasOwn(moduleEntries, specifier)) return moduleEntries[specifier];
    const slash = indexOf(specifier, "/");
    if (slash <= 0 || !hasOwn(moduleEntries, stringSlice(specifier, 0, slash))) return undefined;
    const candidates = [specifier, specifier + ".js", specifier + "/index.js"];
    for (let index = 0; index < candidates.length; index++) if (hasOwn(moduleFiles, candidates[index])) return candidates[index];
    return undefined;
  }

  function loadModule(path) {
    if (hasOwn(moduleNamespaces, path)) return moduleNamespaces[path];
    const file = moduleFiles[path];
    const namespace = create(null);
    moduleNamespaces[path] = namespace;
    const resolved = file[0];
    const importFrom = (specifier) => {
      const target = hasOwn(resolved, specifier) ? resolved[specifier] : resolveBare(specifier);
      if (target === undefined) throw missingModule(specifier);
      return loadModule(target);
    };
    const exportName = (name, read) => {
      defineProperty(namespace, name, { __proto__: null, get: read, enumerable: true, configurable: false });
    };
    // Only that the names exist: in a cycle their values may not be set yet.
    const checkNames = (from, specifier, names) => {
      for (let index = 0; index < names.length; index++) if (!hasOwn(from, names[index])) throw noExport(from, specifier, names[index]);
    };
    const exportAll = (from) => {
      const names = keys(from);
      for (let index = 0; index < names.length; index++) {
        const name = names[index];
        if (name !== "default" && !hasOwn(namespace, name)) exportName(name, () => from[name]);
      }
    };
    const importAsync = async (specifier) => importFrom(specifier);
    const nameDefault = (value) => {
      defineProperty(value, "name", descriptor("default", false, false, true));
    };
    try {
      file[1](importFrom, checkNames, exportName, exportAll, importAsync, nameDefault);
    } catch (error) {
      delete moduleNamespaces[path];
      throw error;
    }
    return freeze(namespace);
  }

  function exportedValue(namespace, specifier, name) {
    if (!hasOwn(namespace, name)) throw noExport(namespace, specifier, name);
    return namespace[name];
  }

  function noExport(namespace, specifier, name) {
    const names = keys(namespace);
    return new ImportError("The module '" + StringOf(specifier) + "' has no export named '" + StringOf(name) + "'; it exports " + (names.length === 0 ? "nothing" : join(names, ", ")) + ".");
  }

  /** The namespace of the module `specifier` names, for the code's `import` and `require`. */
  const requireModule = (specifier) => {
    const path = resolveBare(specifier);
    if (path === undefined) throw missingModule(specifier);
    return loadModule(path);
  };
  const require = (specifier) => requireModule(specifier);
  const importModule = async (specifier) => requireModule(specifier);

  /** "utils.js, line 3" for the innermost frame of `error` in one of the module files. */
  function moduleFrame(error) {
    const stack = attempt(() => values.errorField(error, "stack"), "");
    let start = 0;
    while (typeof stack === "string" && start < stack.length) {
      const newline = indexOf(stack, "\n", start);
      const end = newline < 0 ? stack.length : newline;
      const match = end - start < 1000 ? regExpExec(FRAME, stringSlice(stack, start, end)) : null;
      start = end + 1;
      if (match !== null && hasOwn(moduleFiles, match[2])) return match[2] + ", line " + match[3];
    }
    return undefined;
  }

  const modules = freeze({
    __proto__: null,
    /** Called by the scripts of module-transform.ts, only before the modules are loaded. */
    define(path, resolved, factory) {
      if (modulesNamed || hasOwn(moduleFiles, path)) throw new ErrorConstructor("the modules are already defined");
      const file = list();
      file[0] = resolved;
      file[1] = factory;
      moduleFiles[path] = file;
    },
    /** Names the modules (module name → entry file); no module can be defined after this. */
    name(entries) {
      if (modulesNamed) throw new ErrorConstructor("the modules are already named");
      modulesNamed = true;
      moduleNames = keys(entries);
      for (let index = 0; index < moduleNames.length; index++) moduleEntries[moduleNames[index]] = entries[moduleNames[index]];
    },
    /** Imports one module, when the sandbox starts; a failure says where: "utils.js, line 3: TypeError: ...". */
    load(name) {
      try {
        loadModule(moduleEntries[name]);
      } catch (error) {
        if (typeof error === "object" && error !== null && signalHas(signals, error)) throw error;
        const where = moduleFrame(error) ?? moduleEntries[name];
        const what = isError(error)
          ? values.errorName(error) + ": " + cut(values.errorMessage(error), MAX_LOAD_MESSAGE_CHARS)
          : "Uncaught " + cut(attempt(() => format(error), "value"), MAX_LOAD_MESSAGE_CHARS);
        throw new ImportError(where + ": " + what);
      }
    },
  });

  // ---------------------------------------------------------------- errors
  const FRAME = /^\s*at (?:(.*) \()?([^():]+):(\d+)(?::\d+)?\)?$/;

  /** What went wrong, as JSON: `{ type, message, frames: [[line, functionName], ...] }`. */
  function describeError(reason) {
    const frames = list();
    if (!isError(reason)) {
      const text = attempt(() => format(reason), "value");
      return stringify({ __proto__: null, type: "Error", message: ("Uncaught " + cut(text, MAX_MESSAGE_CHARS)), frames });
    }
    // Read as data: a getter planted on an error prototype in an earlier run must not run now.
    const type = cut(values.errorName(reason), 100);
    const message = cut(values.errorMessage(reason), MAX_MESSAGE_CHARS);
    const stack = attempt(() => values.errorField(reason, "stack"), "");
    let start = 0;
    while (typeof stack === "string" && start < stack.length && frames.length < 200) {
      const newline = indexOf(stack, "\n", start);
      const end = newline < 0 ? stack.length : newline;
      const match = end - start < 1000 ? regExpExec(FRAME, stringSlice(stack, start, end)) : null;
      start = end + 1;
      if (match === null) continue;
      // The model's code, or one of the user's modules (a third element names the file).
      const inModule = match[2] !== options.codeFile && hasOwn(moduleFiles, match[2]);
      if (match[2] !== options.codeFile && !inModule) continue;
      const frame = list();
      frame[0] = NumberOf(match[3]);
      frame[1] = match[1] === undefined || match[1] === options.mainFunction || match[1] === "<eval>" ? "" : match[1];
      if (inModule) frame[2] = match[2];
      frames[frames.length] = frame;
    }
    return stringify({ __proto__: null, type, message, frames });
  }

  const cut = (text, length) => (text.length <= length ? text : stringSlice(text, 0, length));

  // ---------------------------------------------------------------- globals
  const helpers = freeze({
    __proto__: null,
    rethrow,
    importModule,
    /** `import { a as b } from "m"` in the code becomes `b = __codeagent.importName("m", "a")`. */
    importName: (specifier, name) => exportedValue(requireModule(specifier), specifier, name),
    requireModule,
    defineModule: modules.define,
    nameModules: modules.name,
    loadModule: modules.load,
    defineFunction(name, value) {
      defineProperty(value, "name", descriptor(name, false, false, true));
      defineGlobal(name, value, true, true, true);
    },
  });

  // Globals put back before every run, whatever the previous run did to them. They are
  // non-configurable, so code can neither delete them nor turn them into getters, and the value is
  // put back each time. (QuickJS lets defineProperty change the value of even a read-only,
  // non-configurable property of the global object, so "read-only" alone would not hold.)
  let fixtures = list();
  const fixture = (name, value, writable = true) => {
    const entry = list();
    entry[0] = name;
    entry[1] = value;
    entry[2] = writable;
    fixtures[fixtures.length] = entry;
  };
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
  function defineGlobal(name, value, writable, enumerable, configurable) {
    try {
      defineProperty(global, name, descriptor(value, writable, enumerable, configurable));
    } catch {
      try {
        defineProperty(global, name, { __proto__: null, value });
      } catch {
        // Nothing more can be done; the run goes on without it.
      }
    }
  }
  /** Whether the global `name` is `value` (the descriptor is read: a getter would run the code's code). */
  function holds(name, value) {
    const current = getOwnPropertyDescriptor(global, name);
    return current !== undefined && hasOwn(current, "value") && current.value === value;
  }
  /**
   * Puts every fixture back. One the code blocked for good (a non-configurable accessor it defined
   * under a tool's name before the tool was installed) would hand the code every call meant for
   * the tool, so this sandbox may not run again: the error ends its thread.
   */
  const restoreFixtures = () => {
    for (let index = 0; index < fixtures.length; index++) {
      const entry = fixtures[index];
      if (holds(entry[0], entry[1])) continue;
      defineGlobal(entry[0], entry[1], entry[2], false, false);
      if (!holds(entry[0], entry[1])) throw new ErrorConstructor("the code made the global '" + entry[0] + "' permanent, where the sandbox must put its own");
    }
  };
  restoreFixtures();

  // Memory held back from the code, so that after it fills the memory there is still room to
  // report that and to run the next snippet (which may free what the first one holds).
  const ArrayBufferConstructor = ArrayBuffer;
  let reserve = null;
  let reserveSize = 0;

  /** 1 when the reserve is in place (or none is wanted), 0 when there was no room for it. */
  function holdReserve(bytes) {
    if (reserve !== null && reserveSize === bytes) return 1;
    reserve = null;
    reserveSize = bytes;
    if (bytes <= 0) return 1;
    try {
      reserve = new ArrayBufferConstructor(bytes);
    } catch {
      // Memory is still full; the next run tries again.
    }
    return reserve === null ? 0 : 1;
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
      cutChars = 0;
      timers.clearAll();
      restoreFixtures();
    },
    /** Drops the run's timers and takes the memory reserve back if it was lent (1 when it is back). */
    end(reserveBytes) {
      timers.clearAll();
      return holdReserve(reserveBytes);
    },
    installTools(namesJson) {
      const names = parse(namesJson);
      // Tools that are gone cannot be deleted (they are non-configurable): they become undefined.
      for (let index = baseFixtures.length; index < fixtures.length; index++) {
        defineGlobal(fixtures[index][0], undefined, true, false, false);
      }
      fixtures = list();
      for (let index = 0; index < baseFixtures.length; index++) fixtures[index] = baseFixtures[index];
      for (let index = 0; index < names.length; index++) fixture(names[index], makeTool(names[index]));
      restoreFixtures();
    },
    setVariables(json) {
      const parsed = parse(json);
      const variables = values.mayHoldTags(json) ? values.revive(parsed) : parsed;
      const names = keys(variables);
      for (let index = 0; index < names.length; index++) {
        const value = variables[names[index]];
        defineGlobal(names[index], value, true, true, true);
        // A name the code made a permanent getter would hand the code's own value to later runs.
        if (!holds(names[index], value)) throw new ErrorConstructor("the code made the global '" + names[index] + "' permanent, where a variable must go");
      }
    },
    outputJson: (value) => toJson(value),
    describeError,
    nextTimerDelay: timers.nextTimerDelay,
    fireTimer: timers.fireTimer,
  });
}
