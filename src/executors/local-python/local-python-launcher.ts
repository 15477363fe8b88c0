/**
 * Starts the machine's CPython for LocalPythonExecutor: a child process in a group of its own, in
 * a fresh working directory (removed when the interpreter ends, so no file outlives a reset), with
 * only `PATH` and `LANG` of the host's environment, watched for memory from the host.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { SandboxLauncher, SandboxLimits } from "../channel/channel-executor.js";
import { ChildProcessChannel } from "../channel/child-process-channel.js";
import type { SandboxChannel } from "../channel/sandbox-channel.js";
import { overMemoryError } from "../memory-watchdog.js";
import { CPYTHON_RUNTIME_OVERHEAD_MB, pythonRuntimeArgv, pythonRuntimeHello } from "../cpython/python-command.js";
import { checkPython } from "./find-python.js";

/** Which interpreter, with what environment. */
export interface LocalPythonSettings {
  /** The interpreter to run (a name on the PATH or a path). Default `python3`. */
  python?: string;
  /** Extra environment variables for the process; only `PATH` and `LANG` are passed on otherwise. */
  env?: Record<string, string>;
}

/** A launcher of local interpreters with `settings`; see the module comment. */
export class LocalPythonLauncher implements SandboxLauncher {
  readonly hello = pythonRuntimeHello;

  constructor(private readonly settings: LocalPythonSettings) {}

  async launch(limits: SandboxLimits): Promise<SandboxChannel> {
    const python = this.settings.python ?? "python3";
    await checkPython(python);
    const workDirectory = mkdtempSync(join(tmpdir(), "codeagent-python-"));
    const [command, ...args] = pythonRuntimeArgv(python);
    const memoryLimitMb = limits.memoryLimitMb;
    const channel = new ChildProcessChannel({
      command: command!,
      args,
      cwd: workDirectory,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: workDirectory, ...this.settings.env },
      label: "The Python process",
      memoryLimitBytes: (memoryLimitMb + CPYTHON_RUNTIME_OVERHEAD_MB) * 1024 * 1024,
      memoryError: (resident, limit) =>
        overMemoryError("its processes", resident, limit, { memoryLimitMb, runtimeMb: CPYTHON_RUNTIME_OVERHEAD_MB, runtimeName: "Python itself" }),
    });
    void channel.ended.then(() => rmSync(workDirectory, { recursive: true, force: true }));
    return channel;
  }
}
