// The sandbox itself, wherever it lives: Pyodide loaded from the memory snapshot, the runtime
// installed, and the request loop. A sandbox process (sandbox.mjs) runs one on its main thread; a
// shared process (sandbox-host.mjs) runs one per worker thread (sandbox-worker.mjs). Everything
// here is synchronous after start-up: Python runs on this thread and a tool call blocks on a read
// of the channel. Python can reach this JavaScript world and replace built-ins; the code here calls
// only built-ins captured before Python's first line (sandbox-intrinsics.mjs).

import { intrinsics } from "./sandbox-intrinsics.mjs";
import { isObjectLine, quote } from "./sandbox-channel.mjs";
import { limitWasmMemory } from "./sandbox-memory.mjs";
import { warmUp } from "./sandbox-warm-up.mjs";
import { disarmFileDescriptors, stubProcessSpawning } from "./sandbox-node-modules.mjs";
import { loadPackages, packageLoadOptions } from "./sandbox-packages.mjs";

const { TextDecoder, decode, stringSlice, typedLength, max, collectGarbage } = intrinsics;

/** An error's text, read without trusting it (Python may have put getters on Error.prototype). */
function errorText(error) {
  try {
    const message = error?.message;
    if (typeof message === "string") return message;
    return typeof error === "string" ? error : "unknown error";
  } catch {
    return "unknown error";
  }
}

// The snapshot holds these imported. The last four are what Pyodide's package loader imports on its
// first use: compiled in a sandbox just restored from the snapshot they took about 1 s (V8 runs wasm
// in its baseline tier at first), against 0.5 MB of Python heap in every sandbox here.
const WARM_MODULES =
  "import ast, json, linecache, math, types, re, collections, datetime, itertools, random, statistics, functools, " +
  "tarfile, gzip, importlib.metadata, sysconfig";

/**
 * Loads Pyodide and serves requests from `channel` until it closes; never returns. `readSnapshot`
 * gives the memory snapshot to restore (undefined: a plain start), `wasmModule` Pyodide's compiled
 * module when the caller shares one between sandboxes, `readFile` reads the runtime's own files,
 * `exit` ends this sandbox. With `makeSnapshot`, loads, imports the usual modules and hands the
 * snapshot's bytes to it instead of serving. With `packages` (names, lock file, wheels folder), loads
 * those before anything else runs.
 */
export async function serveSandbox({ channel, interrupts, pyodideDirectory, readSnapshot, wasmModule, role, packages, readFile, exit, makeSnapshot }) {
  const wasmMemory = limitWasmMemory();
  // ------------------------------------------------------------------ limits
  let maxOutputChars = 50_000;
  // runtime.py refuses larger values with a ValueError the code can catch; these checks hold even
  // if Python tampered with the runtime. The slack covers the envelope around the value.
  let maxValueChars = 1_000_000;
  const ENVELOPE_CHARS = 64 * 1024;

  // ------------------------------------------------------------------ output capture
  let logs = "";
  let droppedChars = 0;
  const streamDecoder = new TextDecoder();

  function captureText(text) {
    const room = maxOutputChars - logs.length;
    if (text.length <= room) logs += text;
    else {
      if (room > 0) logs += stringSlice(text, 0, room);
      droppedChars += text.length - max(room, 0);
    }
  }

  /** Python's stdout and stderr, as raw bytes. */
  function capture(bytes) {
    captureText(decode(streamDecoder, bytes, { stream: true }));
    return typedLength(bytes);
  }

  function takeLogs() {
    let text = logs;
    if (droppedChars > 0) {
      text += `\n[output truncated: ${droppedChars} more characters were printed than the ${maxOutputChars}-character limit]\n`;
    }
    logs = "";
    droppedChars = 0;
    return text;
  }

  // ------------------------------------------------------------------ tool bridge
  let nextCallId = 0;

  function toolError(message) {
    return `{"ok":false,"error":{"type":"ToolError","message":${quote(message)}}}`;
  }

  function callTool(requestJson) {
    if (typeof requestJson === "string" && requestJson.length > maxValueChars + ENVELOPE_CHARS) {
      return toolError(`the tool call's arguments are ${requestJson.length} characters of JSON, over the limit of ${maxValueChars} (maxValueChars)`);
    }
    if (!isObjectLine(requestJson)) return toolError("malformed tool call");
    const id = ++nextCallId;
    channel.sendToolCall(id, requestJson);
    for (;;) {
      const message = channel.readMessage();
      if (message?.type === "tool-result" && message.id === id) return message.reply;
      // Anything else is a late reply to an interrupted call: drop it.
    }
  }

  // ------------------------------------------------------------------ start Pyodide
  stubProcessSpawning();
  const { loadPyodide } = await import(`${pyodideDirectory}/pyodide.mjs`);
  // Emscripten's own output (Module.print and printErr, which Python can call) goes into the run's
  // logs like Python's, never to the real stdout: in a shared process that carries other
  // sandboxes' lines, which a stray write could split.
  const captureLine = (line) => captureText(`${line}\n`);
  const loadOptions = {
    indexURL: `${pyodideDirectory}/`,
    env: { HOME: "/home/pyodide" },
    stdin: () => null,
    stdout: captureLine,
    stderr: captureLine,
    jsglobals: Object.create(null),
    checkAPIVersion: true,
  };
  if (makeSnapshot) loadOptions._makeSnapshot = true;
  else loadOptions._loadSnapshot = readSnapshot();
  if (packages) Object.assign(loadOptions, packageLoadOptions(packages, readFile, decode, TextDecoder));
  const pyodide = await withCompiledModule(wasmModule, () => loadPyodide(loadOptions));
  // The snapshot is in the wasm heap now: its bytes go (about 30 MB; collected before ready).
  // Pyodide keeps its configuration, which refers to them too.
  delete loadOptions._loadSnapshot;
  if (pyodide._api?.config) pyodide._api.config._loadSnapshot = undefined;
  if (packages) {
    await loadPackages(pyodide, packages, (reason) => {
      // One plain line on stderr: the host puts it in its error (sandbox-process.ts keeps the tail).
      console.error(reason);
      exit(71);
    });
  }
  disarmFileDescriptors();
  try {
    delete pyodide.FS.filesystems.NODEFS;
  } catch {
    // not there in this Pyodide version
  }

  if (makeSnapshot) {
    pyodide.runPython(WARM_MODULES);
    makeSnapshot(pyodide.makeMemorySnapshot());
    exit(0);
  }

  pyodide.setStdout({ write: capture });
  pyodide.setStderr({ write: capture });
  pyodide.setInterruptBuffer(interrupts.interruptBuffer);

  // Nothing in Python may reach this JavaScript world through the `js` and `pyodide_js` modules, and
  // capability-bearing globals go. Code generation from strings is off (a V8 flag).
  for (const name of ["js", "pyodide_js"]) {
    try {
      pyodide.unregisterJsModule(name);
    } catch {
      // not registered in this Pyodide version
    }
  }

  const runtimeSource = decode(new TextDecoder(), readFile(new URL("./runtime.py", import.meta.url)));
  const runtime = pyodide.toPy({ __name__: "_codeagent_runtime" });
  pyodide.runPython(runtimeSource, { globals: runtime, filename: "_codeagent_runtime.py" });
  runtime.get("setup")(callTool, interrupts.interruptibleSleep, interrupts.hostInterrupted);

  for (const name of ["Deno", "fetch", "WebSocket", "Worker", "XMLHttpRequest", "EventSource", "navigator", "location", "caches", "process", "Buffer", "require", "postMessage", "close"]) {
    try {
      delete globalThis[name];
    } catch {
      // non-configurable: nothing to remove
    }
  }

  const runPython = runtime.get("run");
  const configure = runtime.get("configure");
  const installTools = runtime.get("install_tools");
  const sendVariables = runtime.get("send_variables");
  const installModules = runtime.get("install_modules");

  function run(message) {
    wasmMemory.beforeRun();
    let resultJson;
    interrupts.setTimeLimit(message.timeoutMs);
    try {
      resultJson = runPython(message.code, message.timeLimitNote);
    } catch (error) {
      // Only a fatal Pyodide error gets here (Python errors are caught in runtime.py).
      channel.sendFatal(message.id, errorText(error));
      exit(70);
    }
    interrupts.setTimeLimit(0);
    if (typeof resultJson === "string" && resultJson.length > maxValueChars + ENVELOPE_CHARS) {
      const tooLarge = `The run's result is ${resultJson.length} characters of JSON, over the limit of ${maxValueChars} (maxValueChars).`;
      resultJson = `{"output":null,"isFinalAnswer":false,"error":{"type":"ValueError","message":${quote(tooLarge)}}}`;
    }
    if (!isObjectLine(resultJson)) {
      channel.sendFatal(message.id, "the sandbox runtime produced a malformed result");
      exit(70);
    }
    channel.sendResult(message.id, takeLogs(), resultJson);
  }

  function handle(message) {
    // An interrupt meant for a run that had just finished must not land in this request.
    if (message.type !== "tool-result") interrupts.settle(message.interrupts ?? 0);
    switch (message.type) {
      case "run":
        run(message);
        return;
      case "configure":
        if (message.memoryLimitMb) wasmMemory.setLimit(message.memoryLimitMb * 1024 * 1024);
        if (message.maxOutputChars) maxOutputChars = message.maxOutputChars;
        if (message.maxValueChars) maxValueChars = message.maxValueChars;
        // The host sends JSON text, passed on as it is: re-serialising would consult hooks on prototypes.
        configure(`{"authorizedImports":${message.authorizedImportsJson},"maxValueChars":${maxValueChars}}`);
        if (message.toolsJson) installTools(message.toolsJson);
        break;
      case "tools":
        installTools(message.toolsJson);
        break;
      case "variables":
        sendVariables(message.json);
        break;
      case "modules":
        installModules(message.modulesJson);
        break;
      case "tool-result":
        return; // a late answer to a call that was interrupted

      default:
        channel.sendError(message.id, "unknown request");
        return;
    }
    channel.sendDone(message.id);
  }

  // The first calls into a fresh interpreter are slow; pay for them before reporting ready.
  configure('{"authorizedImports":[]}');
  installTools("[]");
  runPython("warm_up = [1]\nwarm_up[0] + 1", "");
  if (role === "spare") warmUp(runPython);
  runtime.get("reset")();
  // What exists now (the standard library, the runtime) lives as long as the interpreter: moved out
  // of the collector's way, it is not traversed again by every collection the user's code causes.
  pyodide.runPython("import gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc");
  takeLogs();

  collectGarbage();
  channel.sendReady(pyodide.version);
  for (;;) {
    const message = channel.readMessage();
    if (message === undefined || message === null || typeof message !== "object") continue;
    try {
      handle(message);
    } catch (error) {
      channel.sendError(message.id, errorText(error));
    }
  }
}

/**
 * Runs `load` with Pyodide's wasm instantiated from `wasmModule` (compiled once and shared by the
 * sandboxes of a process, with its optimised code) instead of compiled again from the file.
 */
async function withCompiledModule(wasmModule, load) {
  if (wasmModule === undefined) return load();
  const instantiate = WebAssembly.instantiate;
  const PYODIDE_BINARY_BYTES = 1024 * 1024; // Pyodide's own module; the small ones it also builds are not shared
  WebAssembly.instantiate = async function instantiateShared(source, imports) {
    if (!(source instanceof WebAssembly.Module) && source?.byteLength > PYODIDE_BINARY_BYTES) {
      return { instance: await instantiate(wasmModule, imports), module: wasmModule };
    }
    return instantiate(source, imports);
  };
  try {
    return await load();
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}
