// One sandbox on a worker thread of a shared process (sandbox-host.mjs). The main thread hands it,
// once: its protocol token, the pipe its requests arrive on (sandbox-pipe.mjs), a private
// MessagePort its lines leave by (the main thread passes them on to the host unread), its
// interrupt state, Pyodide's compiled
// module and the memory snapshot, both shared with the process's other sandboxes. Python runs on
// this thread and can reach its globals, so everything the sandbox's own code calls is captured
// here before any Python exists (sandbox-intrinsics.mjs first).

import { intrinsics } from "./sandbox-intrinsics.mjs";
import { openChannel } from "./sandbox-channel.mjs";
import { pipeReader } from "./sandbox-pipe.mjs";
import { useInterrupts } from "./sandbox-interrupts.mjs";
import { serveSandbox } from "./sandbox-serve.mjs";

const { Int32Array, Uint8Array, atomicsStore, typedLength } = intrinsics;
const postOnPort = Function.prototype.call.bind(MessagePort.prototype.postMessage);
const readFile = Deno.readFileSync;
const endThread = Deno.exit; // in a worker, ends only this thread

self.onmessage = (event) => {
  self.onmessage = null;
  const { pipe, interruptState, busyState, port, token, wasmModule, snapshot, role, pyodideDirectory } = event.data;
  // Tells the main thread whether this thread is in the middle of a request: a thread waiting for
  // one can be ended, a busy one cannot be relied on to stop (Deno cannot end a thread that runs
  // wasm without pause).
  const busy = new Int32Array(busyState);
  const readBlocking = pipeReader(pipe);
  const read = (target) => {
    atomicsStore(busy, 0, 0);
    const count = readBlocking(target);
    atomicsStore(busy, 0, 1);
    return count;
  };
  const write = (bytes) => {
    postOnPort(port, bytes);
    return typedLength(bytes);
  };
  const exit = (code) => {
    postOnPort(port, code);
    endThread(code);
  };
  void serveSandbox({
    channel: openChannel({ read, write, exit, token }),
    interrupts: useInterrupts(interruptState),
    pyodideDirectory,
    readSnapshot: () => (snapshot === undefined ? undefined : new Uint8Array(snapshot)),
    wasmModule,
    role,
    readFile,
    exit,
  });
};
