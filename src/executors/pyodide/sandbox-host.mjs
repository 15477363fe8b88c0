// A shared sandbox process: several sandboxes, each on its own worker thread (sandbox-worker.mjs),
// in one Deno process with the same permissions as a sandbox process. They share what is the same
// for all of them: Pyodide's compiled module (and the optimised code V8 makes for it) and the memory
// snapshot, held once here in shared memory. No Python runs on this thread: it starts and ends the
// sandboxes, passes the host's requests on to them and their lines back, and interrupts them.
//
// From the host (stdin), one line each: `@{"op":"start"|"interrupt"|"end","sid":n,"role":...}`, or
// `<sid>:<line>` to pass a line on to sandbox `sid`. To the host (stdout): the sandboxes' own lines,
// unread (each starts with its sandbox's secret token, which this thread never sees), and this
// thread's own, under the token the host sent in its first line: `ready`, `started` with a new
// sandbox's token, and `ended` when a sandbox thread is gone (`busy` when it may still be
// running: see `end`).

import { createPipeMemory, pipeWriter } from "./sandbox-pipe.mjs";
import { enforceDeadline, INTERRUPT_STATE_BYTES, interruptForHost, interruptViews } from "./interrupt-state.mjs";

const [pyodideDirectory, snapshotPath] = Deno.args;
const NEWLINE = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ------------------------------------------------------------------ output to the host
// Written synchronously: a line leaves whole, in order, and sooner than through Deno's async
// writer (the host reads its end of the pipe all the time, so a write waits only while a long
// line drains).
function output(bytes) {
  try {
    for (let offset = 0; offset < bytes.length; ) offset += Deno.stdout.writeSync(bytes.subarray(offset));
  } catch {
    Deno.exit(0); // the host is gone
  }
}

let hostToken = "";
function tell(message) {
  output(encoder.encode(`\n${hostToken}${JSON.stringify(message)}\n`));
}

// ------------------------------------------------------------------ sandboxes
const sandboxes = new Map();
let sharedModule;
let sharedSnapshot;
// The compiled wasm is shared by every sandbox of this process, optimised code included: only
// the process's first sandbox warms it up (a spare before it reports ready; a sandbox started for
// immediate use, by running its code). A later spare's warm-up would never see the speed-up it
// waits for and would only burn its whole time limit.
let warmedUp = false;

function start(sid, role) {
  if (sandboxes.has(sid)) return;
  const pipe = createPipeMemory();
  const interruptState = new SharedArrayBuffer(INTERRUPT_STATE_BYTES);
  const busyState = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  // The sandbox's token is made here and reaches the host on stdout: no secret travels on stdin,
  // where every sandbox's requests pass.
  const token = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  const worker = new Worker(new URL("./sandbox-worker.mjs", import.meta.url), { type: "module" });
  const sandbox = { worker, port: port1, writer: pipeWriter(pipe), interrupts: interruptViews(interruptState), busy: new Int32Array(busyState) };
  sandboxes.set(sid, sandbox);
  // Messages on the worker itself are not ours (Python can reach `postMessage`): only the port is.
  worker.onmessage = () => undefined;
  worker.onerror = (event) => {
    event.preventDefault();
    end(sid, `failed: ${event.message}`, false);
  };
  port1.onmessage = (event) => {
    if (event.data instanceof Uint8Array) output(event.data);
    else end(sid, `exited with code ${Number(event.data)}`, false);
  };
  const warmUp = role === "spare" && !warmedUp;
  warmedUp = true;
  worker.postMessage(
    { pipe, interruptState, busyState, port: port2, token, wasmModule: sharedModule, snapshot: sharedSnapshot, role: warmUp ? "spare" : "run", pyodideDirectory },
    [port2],
  );
  tell({ type: "started", sid, token });
}

/**
 * Ends a sandbox's thread. One waiting for a request ends at once; one in the middle of a request
 * may not (Deno's `terminate` cannot stop a thread that runs wasm without pause): the host is told
 * it may still be running, so that no more sandboxes go into this process.
 */
function end(sid, reason, mayBeBusy = true) {
  const sandbox = sandboxes.get(sid);
  if (sandbox === undefined) return;
  sandboxes.delete(sid);
  const busy = mayBeBusy && Atomics.load(sandbox.busy, 0) === 1;
  sandbox.writer.close();
  sandbox.port.onmessage = null;
  sandbox.port.close();
  sandbox.worker.terminate();
  tell({ type: "ended", sid, busy, reason });
}

function command(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  const sid = message.sid;
  if (!Number.isInteger(sid)) return;
  if (message.op === "start") start(sid, message.role === "spare" ? "spare" : "run");
  else if (message.op === "interrupt") {
    const sandbox = sandboxes.get(sid);
    if (sandbox) interruptForHost(sandbox.interrupts);
  } else if (message.op === "end") end(sid, "ended by the host");
}

/** A line from the host, without its newline. */
function receive(line) {
  if (line[0] === 0x40 /* @ */) {
    command(decoder.decode(line.subarray(1)));
    return;
  }
  const colon = line.indexOf(0x3a);
  if (colon <= 0) return;
  const sandbox = sandboxes.get(Number(decoder.decode(line.subarray(0, colon))));
  if (sandbox === undefined) return;
  const forwarded = new Uint8Array(line.length - colon);
  forwarded.set(line.subarray(colon + 1));
  forwarded[forwarded.length - 1] = NEWLINE;
  sandbox.writer.write(forwarded);
}

// ------------------------------------------------------------------ input from the host
// One buffer serves every read (`onLine` copies what it keeps); a line split across reads is kept
// in copied parts until its newline comes.
async function readLines(onLine) {
  const buffer = new Uint8Array(64 * 1024);
  let parts = [];
  for (;;) {
    const count = await Deno.stdin.read(buffer);
    if (count === null) return;
    const value = buffer.subarray(0, count);
    let start = 0;
    for (let newline = value.indexOf(NEWLINE); newline >= 0; newline = value.indexOf(NEWLINE, start)) {
      const tail = value.subarray(start, newline);
      if (parts.length === 0) onLine(tail);
      else {
        parts.push(tail);
        onLine(concat(parts));
        parts = [];
      }
      start = newline + 1;
    }
    if (start < value.length) parts.push(value.slice(start));
  }
}

function concat(parts) {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

// ------------------------------------------------------------------ start
let tokenArrived;
const tokenLine = new Promise((resolve) => (tokenArrived = resolve));
const lines = readLines((line) => {
  if (hostToken !== "") receive(line);
  else {
    hostToken = String(JSON.parse(decoder.decode(line)).token);
    tokenArrived();
  }
});

sharedModule = await WebAssembly.compile(Deno.readFileSync(`${pyodideDirectory}/pyodide.asm.wasm`));
if (snapshotPath) {
  const bytes = Deno.readFileSync(snapshotPath);
  sharedSnapshot = new SharedArrayBuffer(bytes.length);
  new Uint8Array(sharedSnapshot).set(bytes);
}
globalThis.gc?.(); // the file's bytes, copied into shared memory

// Deadlines are enforced here too, so a time limit does not rest on the host's request alone. If
// the host dies without ending this process, it is adopted by another parent: then it ends itself.
const hostPid = Deno.ppid;
setInterval(() => {
  if (Deno.ppid !== hostPid) Deno.exit(0);
  for (const sandbox of sandboxes.values()) enforceDeadline(sandbox.interrupts);
}, 100);

await tokenLine;
tell({ type: "ready" });
await lines;
Deno.exit(0); // the host closed stdin
