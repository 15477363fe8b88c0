/**
 * The machine's own CPython in a child process, on the shared channel lifecycle: native packages
 * (numpy, pandas: whatever that Python has installed), the import allow-list, time limits that end
 * the whole process group, a memory limit watched from the host, output caps, a crash reported and
 * replaced. It is NOT a boundary against hostile code: the process runs as the host's user and can
 * reach what that user can once code gets past the import gate. Use it for trusted models and
 * data work; use Pyodide or Docker for code you do not trust.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { SandboxMemoryError } from "../../errors.js";
import type { ExecutorOptions } from "../executor.js";
import { ChannelExecutor, type SandboxLauncher, type SandboxLimits } from "../channel/channel-executor.js";
import { ChildProcessChannel } from "../channel/child-process-channel.js";
import type { SandboxChannel } from "../channel/sandbox-channel.js";
import { CPYTHON_RUNTIME_OVERHEAD_MB, pythonRuntimeArgv, pythonRuntimeHello } from "../cpython/python-command.js";
import { checkPython } from "./find-python.js";
import { LOCAL_PYTHON_PROMPT_NOTES } from "./prompt-notes.js";


/** Options of {@link LocalPythonExecutor}. */
export interface LocalPythonExecutorOptions extends ExecutorOptions {
  /** The interpreter to run (a name on the PATH or a path). Default `python3`. */
  python?: string;
  /** Extra environment variables for the process; only `PATH` and `LANG` are passed on otherwise. */
  env?: Record<string, string>;
}

const megabytes = (bytes: number) => Math.round(bytes / (1024 * 1024));

class LocalPythonLauncher implements SandboxLauncher {
  /** The working directory of the latest interpreter: a new one for each, so no file outlives a reset. */
  private workDirectory: string | undefined;

  constructor(private readonly options: LocalPythonExecutorOptions) {}

  async launch(limits: SandboxLimits): Promise<SandboxChannel> {
    const python = this.options.python ?? "python3";
    await checkPython(python);
    this.removeWorkDirectory();
    const workDirectory = mkdtempSync(join(tmpdir(), "codeagent-python-"));
    this.workDirectory = workDirectory;
    const [command, ...args] = pythonRuntimeArgv(python);
    const memoryLimitMb = limits.memoryLimitMb;
    return new ChildProcessChannel({
      command: command!,
      args,
      cwd: workDirectory,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LANG: "C.UTF-8", HOME: workDirectory, ...this.options.env },
      label: "The Python process",
      memoryLimitBytes: (memoryLimitMb + CPYTHON_RUNTIME_OVERHEAD_MB) * 1024 * 1024,
      memoryError: (resident, limit) =>
        new SandboxMemoryError(
          `The sandbox went over its memory limit and was ended: its processes held ${megabytes(resident)} MB, over the ` +
            `${megabytes(limit)} MB allowed (memoryLimitMb ${memoryLimitMb} plus ${CPYTHON_RUNTIME_OVERHEAD_MB} MB for Python itself). ` +
            "Use less memory at once (work in smaller parts, drop what is no longer needed), or ask the user to raise memoryLimitMb.",
        ),
    });
  }

  hello(token: string): string {
    return pythonRuntimeHello(token);
  }

  close(): Promise<void> {
    this.removeWorkDirectory();
    return Promise.resolve();
  }

  private removeWorkDirectory(): void {
    if (this.workDirectory !== undefined) rmSync(this.workDirectory, { recursive: true, force: true });
    this.workDirectory = undefined;
  }
}

/** Runs Python in the machine's own CPython; see the module comment (not a security boundary). */
export class LocalPythonExecutor extends ChannelExecutor {
  constructor(options: LocalPythonExecutorOptions = {}) {
    super({ ...options, language: "python", promptNotes: LOCAL_PYTHON_PROMPT_NOTES, launcher: new LocalPythonLauncher(options) });
  }
}
