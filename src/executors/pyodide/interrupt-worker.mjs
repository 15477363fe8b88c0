// Runs on its own thread inside the sandbox process: while Python keeps the main thread busy,
// it raises KeyboardInterrupt in Python (through Pyodide's interrupt buffer) when the host sends
// SIGUSR1 or when the run's deadline passes, and ends the whole process when the host has died.
// The layout of the shared memory is described in sandbox.mjs. Python cannot reach this thread's
// globals (a worker has its own), so the built-ins used here are its own.
let interrupts = null;
let deadline = null;

self.onmessage = (event) => {
  interrupts = new Int32Array(event.data, 0, 3);
  deadline = new Float64Array(event.data, 16, 1);
};

function interruptPython() {
  if (interrupts === null) return;
  Atomics.store(interrupts, 2, 1);
  Atomics.store(interrupts, 0, 2);
  Atomics.notify(interrupts, 0);
}

Deno.addSignalListener("SIGUSR1", () => {
  if (interrupts === null) return;
  interruptPython();
  Atomics.add(interrupts, 1, 1);
  Atomics.notify(interrupts, 1);
});

// The deadline is checked here too, so the time limit does not rest on the host's signal alone
// (on a crowded machine one was seen not to land). If the host dies without ending this process,
// it is adopted by another parent: then this thread ends the whole process itself. Interrupting
// Python would not do (code that catches BaseException goes on, and the memory wall lived in the
// host), and Deno.exit here would end only this worker; a process may signal itself without
// permissions.
const host = Deno.ppid;
const ownPid = Deno.pid;
const kill = Deno.kill;
setInterval(() => {
  if (Deno.ppid !== host) kill(ownPid, "SIGKILL");
  if (deadline !== null && deadline[0] > 0 && Date.now() >= deadline[0]) interruptPython();
}, 100);
