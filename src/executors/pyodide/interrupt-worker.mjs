// Runs on its own thread inside the sandbox process: while Python keeps the main thread busy,
// SIGUSR1 from the host sets Pyodide's interrupt buffer, which raises KeyboardInterrupt in Python.
let state = null;

self.onmessage = (event) => {
  state = new Int32Array(event.data);
};

function interruptPython() {
  if (state === null) return;
  Atomics.store(state, 0, 2);
  Atomics.notify(state, 0);
}

Deno.addSignalListener("SIGUSR1", () => {
  if (state === null) return;
  interruptPython();
  Atomics.add(state, 1, 1);
  Atomics.notify(state, 1);
});

// If the host dies without ending this process (killed outright), this process is adopted by
// another parent. Keep interrupting Python: the main thread then finishes its run, fails to
// write to the closed pipe, and exits, instead of spinning on as an orphan.
const host = Deno.ppid;
setInterval(() => {
  if (Deno.ppid !== host) interruptPython();
}, 500);
