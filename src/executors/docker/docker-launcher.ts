/**
 * Starts the agent's interpreters in one Docker sandbox container per executor: the container is
 * created on the first launch and reused, each launch is a new exec of the CPython runtime in it
 * (so a reset restarts the interpreter, not the container), a container that has ended (removed
 * from outside, the engine restarted) is replaced at the next launch, and `close()` removes it.
 */
import { SandboxClosedError } from "../../errors.js";
import type { SandboxLauncher, SandboxLimits } from "../channel/channel-executor.js";
import type { SandboxChannel } from "../channel/sandbox-channel.js";
import { pythonRuntimeArgv, pythonRuntimeHello } from "../cpython/python-command.js";
import type { DockerSandboxOptions } from "./docker-options.js";
import { DockerSandboxContainer } from "./docker-sandbox-container.js";

/** How the launcher makes its container and what runs in it. */
export interface DockerLauncherOptions extends Omit<DockerSandboxOptions, "memoryLimitMb"> {
  /** The interpreter inside the container. Default `python3`. */
  python?: string;
}

/** A launcher over one reused container; see the module comment. */
export class DockerLauncher implements SandboxLauncher {
  readonly hello = pythonRuntimeHello;
  private container: Promise<DockerSandboxContainer> | undefined;
  private closed = false;

  constructor(private readonly options: DockerLauncherOptions) {}

  async launch(limits: SandboxLimits): Promise<SandboxChannel> {
    const container = await this.current(limits);
    try {
      return await this.startInterpreter(container, limits);
    } catch {
      if (this.closed) throw new SandboxClosedError();
      // The container may have just ended (the code killed its main process, the engine removed
      // it) before its end was seen: once more, in a new one.
      await this.forget(container);
      return this.startInterpreter(await this.current(limits), limits);
    }
  }

  /** Drops `container` (closing it) so the next launch starts a new one. */
  private async forget(container: DockerSandboxContainer): Promise<void> {
    const current = this.container;
    if (current !== undefined && (await current.catch(() => undefined)) === container) {
      if (this.container === current) this.container = undefined;
    }
    await container.close();
  }

  private startInterpreter(container: DockerSandboxContainer, limits: SandboxLimits): Promise<SandboxChannel> {
    return container.exec(pythonRuntimeArgv(this.options.python), {
      label: "The Python process in the Docker sandbox",
      // The runtime turns the session's interrupt message into its own SIGINT, between lines.
      signalInterrupt: false,
      dataLimitMb: limits.memoryLimitMb,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const container = this.container;
    this.container = undefined;
    await (await container?.catch(() => undefined))?.close();
  }

  /** The running container, started first when there is none. */
  private current(limits: SandboxLimits): Promise<DockerSandboxContainer> {
    if (this.closed) return Promise.reject(new SandboxClosedError());
    if (this.container !== undefined) return this.container;
    const starting = DockerSandboxContainer.start({ ...this.options, memoryLimitMb: limits.memoryLimitMb }).then(async (container) => {
      if (this.closed) {
        await container.close();
        throw new SandboxClosedError();
      }
      void container.ended.then(() => {
        if (this.container === starting) this.container = undefined;
      });
      return container;
    });
    this.container = starting;
    // A failed start is not kept: the next launch tries again (the engine may have been started).
    starting.catch(() => {
      if (this.container === starting) this.container = undefined;
    });
    return starting;
  }
}
