// Runs on its own thread inside the sandbox process: while Python keeps the main thread busy,
// SIGUSR1 from the host sets Pyodide's interrupt buffer, which raises KeyboardInterrupt in Python.
let state = null;

self.onmessage = (event) => {
  state = new Int32Array(event.data);
};

Deno.addSignalListener("SIGUSR1", () => {
  if (state === null) return;
  Atomics.store(state, 0, 2);
  Atomics.add(state, 1, 1);
  Atomics.notify(state, 0);
  Atomics.notify(state, 1);
});
