// The sandbox process: runs under Deno with read access to Pyodide's files only, and an empty
// environment. It speaks JSON lines with the Node host over stdin/stdout. Every line it writes
// starts with a secret token the host sent first, so anything else reaching stdout is dropped.
// Everything here is synchronous after start-up: Python runs on this thread, a tool call blocks on
// a read of stdin, and a small worker thread turns SIGUSR1 into a Python interrupt.

const [pyodideDirectory, snapshotPath, mode] = Deno.args;

const stdinRead = Deno.stdin.readSync.bind(Deno.stdin);
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const readFile = Deno.readFileSync;
const exitProcess = Deno.exit;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ------------------------------------------------------------------ memory limit
// Pyodide grows its WebAssembly memory from JavaScript; refusing a grow past the limit makes
// malloc fail, which CPython reports as MemoryError while the interpreter stays usable.
const WASM_PAGE = 65536;
// Past the limit, a little headroom lets Python build and report the MemoryError, and lets the
// next run (which may free the culprit) parse its code, instead of failing inside the runtime.
const MEMORY_HEADROOM = 64 * 1024 * 1024;
let configuredMemoryLimit = 4 * 1024 * 1024 * 1024;
let memoryLimitBytes = configuredMemoryLimit;
let heapMemory = null;
const originalGrow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function grow(pages) {
  heapMemory = this;
  if (this.buffer.byteLength + pages * WASM_PAGE > memoryLimitBytes) {
    memoryLimitBytes = Math.max(memoryLimitBytes, configuredMemoryLimit + MEMORY_HEADROOM);
    throw new RangeError("codeagent sandbox memory limit reached");
  }
  return originalGrow.call(this, pages);
};

function resetMemoryLimit() {
  const heapBytes = heapMemory?.buffer.byteLength ?? 0;
  memoryLimitBytes =
    heapBytes < configuredMemoryLimit
      ? configuredMemoryLimit
      : Math.min(heapBytes + MEMORY_HEADROOM, configuredMemoryLimit + 4 * MEMORY_HEADROOM);
}

// ------------------------------------------------------------------ interrupts
// interruptState[0] is Pyodide's interrupt buffer (2 = SIGINT); [1] counts signals received, so a
// run can wait until every interrupt the host sent for an earlier run has landed before clearing.
// runDeadline[0] is when the current run must stop (epoch ms, 0 when none): the worker enforces it
// itself, so a time limit holds even if the host's signal were lost.
const sharedState = new SharedArrayBuffer(16);
const interruptState = new Int32Array(sharedState, 0, 2);
const runDeadline = new Float64Array(sharedState, 8, 1);
const interruptWorker = new Worker(new URL("./interrupt-worker.mjs", import.meta.url), { type: "module" });
interruptWorker.postMessage(sharedState);

function settleInterrupts(expectedSignals) {
  const deadline = performance.now() + 1000;
  while (Atomics.load(interruptState, 1) < expectedSignals && performance.now() < deadline) {
    Atomics.wait(interruptState, 1, Atomics.load(interruptState, 1), 5);
  }
  Atomics.store(interruptState, 0, 0);
}

// Returns true when an interrupt ended the sleep (and consumes it: Python raises it at once).
function interruptibleSleep(seconds) {
  const deadline = performance.now() + seconds * 1000;
  for (;;) {
    if (Atomics.compareExchange(interruptState, 0, 2, 0) === 2) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(interruptState, 0, 0, Math.min(left, 1000));
  }
}

// ------------------------------------------------------------------ protocol I/O
let token = "";
let pending = new Uint8Array(0);
const chunk = new Uint8Array(1 << 16);

function readLine() {
  for (;;) {
    const newline = pending.indexOf(10);
    if (newline >= 0) {
      const line = decoder.decode(pending.subarray(0, newline));
      pending = pending.slice(newline + 1);
      return line;
    }
    const count = stdinRead(chunk);
    if (count === null || count === 0) exitProcess(0);
    const grown = new Uint8Array(pending.length + count);
    grown.set(pending);
    grown.set(chunk.subarray(0, count), pending.length);
    pending = grown;
  }
}

function writeAll(bytes) {
  let offset = 0;
  while (offset < bytes.length) offset += stdoutWrite(bytes.subarray(offset));
}

function send(message) {
  writeAll(encoder.encode(`${token}${JSON.stringify(message)}\n`));
}

// Python hands over JSON text. Hostile code can replace the runtime's serialiser, so the text is
// parsed here and must be one JSON object; it is then sent as a value, never spliced into a line.
function parseObject(json) {
  if (typeof json !== "string") return undefined;
  try {
    const value = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ output capture
let maxOutputChars = 50_000;
let logs = "";
let droppedChars = 0;
const streamDecoder = new TextDecoder();

function capture(bytes) {
  const text = streamDecoder.decode(bytes, { stream: true });
  const room = maxOutputChars - logs.length;
  if (text.length <= room) logs += text;
  else {
    if (room > 0) logs += text.slice(0, room);
    droppedChars += text.length - Math.max(room, 0);
  }
  return bytes.length;
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

function callTool(requestJson) {
  const request = parseObject(requestJson);
  if (request === undefined) {
    return JSON.stringify({ ok: false, error: { type: "ToolError", message: "malformed tool call" } });
  }
  const id = ++nextCallId;
  send({ type: "tool-call", id, request });
  for (;;) {
    const message = JSON.parse(readLine());
    if (message.type === "tool-result" && message.id === id) return message.reply;
    // Anything else is a late reply to an interrupted call: drop it.
  }
}

// ------------------------------------------------------------------ start Pyodide
// Emscripten implements system() with child_process.spawnSync, which has no permission here and
// would take the interpreter down with it: make it fail the way a missing shell does.
{
  const { createRequire } = await import("node:module");
  const childProcess = createRequire(import.meta.url)("node:child_process");
  childProcess.spawnSync = () => ({ status: 127, signal: null, output: [null, "", ""], pid: 0, stdout: "", stderr: "" });
}
const { loadPyodide } = await import(`${pyodideDirectory}/pyodide.mjs`);
const loadOptions = {
  indexURL: `${pyodideDirectory}/`,
  env: { HOME: "/home/pyodide" },
  stdin: () => null,
  jsglobals: Object.create(null),
  checkAPIVersion: true,
};
if (mode === "make-snapshot") loadOptions._makeSnapshot = true;
else if (snapshotPath) loadOptions._loadSnapshot = readFile(snapshotPath);
const pyodide = await loadPyodide(loadOptions);

const WARM_MODULES = "import ast, json, linecache, math, types, re, collections, datetime, itertools, random, statistics, functools";
if (mode === "make-snapshot") {
  pyodide.runPython(WARM_MODULES);
  Deno.writeFileSync(snapshotPath, pyodide.makeMemorySnapshot());
  exitProcess(0);
}

pyodide.setStdout({ write: capture });
pyodide.setStderr({ write: capture });
pyodide.setInterruptBuffer(interruptState);

// Nothing in Python may reach this JavaScript world: the `js` and `pyodide_js` modules go,
// and so does every capability-bearing global. Code generation from strings is off (a V8 flag).
for (const name of ["js", "pyodide_js"]) {
  try {
    pyodide.unregisterJsModule(name);
  } catch {
    // not registered in this Pyodide version
  }
}

const runtimeSource = decoder.decode(readFile(new URL("./runtime.py", import.meta.url)));
const runtime = pyodide.toPy({ __name__: "_codeagent_runtime" });
pyodide.runPython(runtimeSource, { globals: runtime, filename: "_codeagent_runtime.py" });
runtime.get("setup")(callTool, interruptibleSleep);

for (const name of ["Deno", "fetch", "WebSocket", "Worker", "XMLHttpRequest", "EventSource", "navigator", "location", "caches", "process", "Buffer", "require"]) {
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
const resetNamespace = runtime.get("reset");

function handle(message) {
  // An interrupt meant for a run that had just finished must not land in this request.
  if (message.type !== "tool-result") settleInterrupts(message.interrupts ?? 0);
  switch (message.type) {
    case "run": {
      resetMemoryLimit();
      let resultJson;
      runDeadline[0] = message.timeoutMs > 0 ? Date.now() + message.timeoutMs : 0;
      try {
        resultJson = runPython(message.code, message.timeLimitNote);
      } catch (error) {
        // Only a fatal Pyodide error gets here (Python errors are caught in runtime.py).
        send({ type: "fatal", id: message.id, message: String(error?.message ?? error) });
        exitProcess(70);
      }
      runDeadline[0] = 0;
      const result = parseObject(resultJson);
      if (result === undefined) {
        send({ type: "fatal", id: message.id, message: "the sandbox runtime produced a malformed result" });
        exitProcess(70);
      }
      send({ type: "result", id: message.id, logs: takeLogs(), result });
      return;
    }
    case "configure":
      if (message.memoryLimitMb) configuredMemoryLimit = memoryLimitBytes = message.memoryLimitMb * 1024 * 1024;
      if (message.maxOutputChars) maxOutputChars = message.maxOutputChars;
      configure(JSON.stringify({ authorizedImports: message.authorizedImports }));
      if (message.tools) installTools(JSON.stringify(message.tools));
      break;
    case "tools":
      installTools(JSON.stringify(message.tools));
      break;
    case "variables":
      sendVariables(message.json);
      break;
    case "reset":
      resetNamespace();
      break;
    case "tool-result":
      return; // a late answer to a call that was interrupted

    default:
      send({ type: "error", id: message.id, message: `unknown request ${message.type}` });
      return;
  }
  send({ type: "done", id: message.id });
}

// The first calls into a fresh interpreter are slow; pay for them before reporting ready.
configure(JSON.stringify({ authorizedImports: [] }));
installTools("[]");
runPython("warm_up = [1]\nwarm_up[0] + 1", "");
resetNamespace();
takeLogs();

token = JSON.parse(readLine()).token;
send({ type: "ready", pyodideVersion: pyodide.version });
for (;;) {
  const line = readLine();
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    continue;
  }
  try {
    handle(message);
  } catch (error) {
    send({ type: "error", id: message.id, message: String(error?.message ?? error) });
  }
}
