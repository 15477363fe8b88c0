// Runs on its own thread inside a sandbox process: while Python keeps the main thread busy, it
// raises KeyboardInterrupt in Python when the host sends SIGUSR1 or when the run's deadline passes,
// and ends the whole process when the host has died. The shared memory is described in
// interrupt-state.mjs. Python cannot reach this thread's globals (a worker has its own).
import { enforceDeadline, interruptForHost, interruptViews } from "./interrupt-state.mjs";

let views = null;

self.onmessage = (event) => {
  views = interruptViews(event.data);
};

Deno.addSignalListener("SIGUSR1", () => {
  if (views !== null) interruptForHost(views);
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
  if (views !== null) enforceDeadline(views);
}, 100);
