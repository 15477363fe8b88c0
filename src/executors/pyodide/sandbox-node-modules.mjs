// Pyodide's Emscripten runtime keeps Node's `fs` and `tty` modules in its closures (NODEFS, the TTY
// device), and Python can reach those through the runtime's objects. They work on raw file
// descriptors, which Deno's permissions do not cover: fd 0 is the host's request stream (in a
// shared process, every sandbox's requests and tokens), fds 1 and 2 its output. Once Pyodide has
// loaded, nothing here needs them, so every function they offer is replaced by one that refuses,
// before any Python runs. The Emscripten file system Python uses (MEMFS) is not affected.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function refuse() {
  throw new Error("not available in the sandbox");
}

function disarm(moduleObject) {
  for (const name of Object.getOwnPropertyNames(moduleObject)) {
    try {
      if (typeof moduleObject[name] === "function") moduleObject[name] = refuse;
    } catch {
      // a read-only binding: nothing reaches it through Pyodide
    }
  }
}

/**
 * Emscripten implements system() with child_process.spawnSync, which has no permission here and
 * would take the interpreter down with it: make it fail the way a missing shell does. Called
 * before Pyodide loads.
 */
export function stubProcessSpawning() {
  const childProcess = require("node:child_process");
  childProcess.spawnSync = () => ({ status: 127, signal: null, output: [null, "", ""], pid: 0, stdout: "", stderr: "" });
}

/** Takes away Node's file-descriptor modules (see above). Called after Pyodide loads. */
export function disarmFileDescriptors() {
  const fs = require("node:fs");
  if (fs.promises) disarm(fs.promises);
  disarm(fs);
  disarm(require("node:fs/promises"));
  disarm(require("node:tty"));
  // child_process keeps the stub above (os.system must fail as without a shell, not crash); its
  // other functions need Deno's --allow-run, which the sandbox does not have.
}
