/**
 * The machine's own CPython in a child process, on the shared channel lifecycle: native packages
 * (numpy, pandas: whatever that Python has installed), the import allow-list, time limits that end
 * the whole process group, a memory limit watched from the host, output caps, a crash reported and
 * replaced. It is NOT a boundary against hostile code: the process runs as the host's user and can
 * reach what that user can once code gets past the import gate. Use it for trusted models and
 * data work; use Pyodide or Docker for code you do not trust.
 */
import { EXECUTOR_DEFAULTS, type ExecutorOptions } from "../executor.js";
import { ChannelExecutor, type ChannelExecutorOptions, type SandboxLimits } from "../channel/channel-executor.js";
import type { SandboxConnection } from "../channel/sandbox-connection.js";
import { LocalPythonLauncher, type LocalPythonSettings } from "./local-python-launcher.js";
import { acquireLocalPython, drainLocalPythonPools, prewarmLocalPython } from "./local-python-pool.js";
import { LOCAL_PYTHON_PROMPT_NOTES } from "./prompt-notes.js";

/** Options of {@link LocalPythonExecutor}. */
export interface LocalPythonExecutorOptions extends ExecutorOptions, LocalPythonSettings, Pick<ChannelExecutorOptions, "interruptGraceMs"> {
  /** Take a ready interpreter from the process-wide pool (default), or start one each time. */
  usePool?: boolean;
}

/** Runs Python in the machine's own CPython; see the module comment (not a security boundary). */
export class LocalPythonExecutor extends ChannelExecutor {
  private readonly settings: LocalPythonSettings;
  private readonly usePool: boolean;

  constructor(options: LocalPythonExecutorOptions = {}) {
    super({ ...options, language: "python", promptNotes: LOCAL_PYTHON_PROMPT_NOTES, launcher: new LocalPythonLauncher(settingsOf(options)) });
    this.settings = settingsOf(options);
    this.usePool = options.usePool ?? true;
  }

  /**
   * Starts `count` interpreters in the background of this process, so later executors with the
   * same `python`, `env` and `memoryLimitMb` start warm.
   */
  static prewarm(count = 1, options: LocalPythonExecutorOptions = {}): Promise<void> {
    return prewarmLocalPython(count, settingsOf(options), { memoryLimitMb: options.memoryLimitMb ?? EXECUTOR_DEFAULTS.memoryLimitMb, timeoutMs: options.timeoutMs ?? EXECUTOR_DEFAULTS.timeoutMs });
  }

  /** Ends the spare interpreters of every kind. */
  static drainPool(): Promise<void> {
    return drainLocalPythonPools();
  }

  protected override startSession(limits: SandboxLimits): Promise<SandboxConnection> {
    return this.usePool ? acquireLocalPython(this.settings, limits) : super.startSession(limits);
  }
}

/** The options that decide how the interpreter is started. */
function settingsOf(options: LocalPythonExecutorOptions): LocalPythonSettings {
  return { ...(options.python === undefined ? {} : { python: options.python }), ...(options.env === undefined ? {} : { env: options.env }) };
}
