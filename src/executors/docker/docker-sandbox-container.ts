/**
 * One sandbox container: created locked down (see `container-config.ts`), started with the host
 * attached to its stdin, and running any number of independent execs, each a channel. Its main
 * process reads "SIGNAL PID" lines from that stdin and signals the named process group: that is how
 * an exec is interrupted or killed (`CONTROL_LOOP`). When the stdin closes — `close()`, the host
 * exiting, the host killed — the loop ends, the container stops, and the engine removes it;
 * `close()` also removes it at once.
 */
import type { Duplex } from "node:stream";
import type Dockerode from "dockerode";

import { SandboxError, SandboxMemoryError } from "../../errors.js";
import { containerCreateBody, containerLimits, RUNTIME_HEADROOM_MB, type ContainerLimits } from "./container-config.js";
import type { DockerSandboxOptions } from "./docker-options.js";

export type { DockerConnection, DockerSandboxOptions } from "./docker-options.js";
import { dockerFailure } from "./docker-errors.js";
import { DockerExecChannel, pidReportingArgv, type DemuxModem } from "./docker-exec-channel.js";
import { loadDockerode } from "./load-dockerode.js";
import { removeUnstartedContainers } from "./unstarted-containers.js";
import { MemoryKillEvents } from "./memory-kills.js";

/** How one exec is started. */
export interface ExecOptions {
  /** What the process is called in its channel's end reason. Default "The process in the sandbox container". */
  label?: string;
  /**
   * Whether the channel interrupts with SIGINT sent from outside (default) or leaves interrupts to
   * the session's message, for a program that turns that message into its own signal.
   */
  signalInterrupt?: boolean;
  /**
   * The process's data limit (RLIMIT_DATA, plus what CPython itself holds), in MiB: past it an
   * allocation fails in the code (a `MemoryError`) and the process lives on; the container's limit
   * still ends what gets past it.
   */
  dataLimitMb?: number;
}

/** How long close() waits for the engine to finish removing the container. */
const REMOVAL_WAIT_MS = 10_000;

type HijackedStream = Duplex & { ref?: () => void; unref?: () => void };

/** A running sandbox container; see the module comment. */
export class DockerSandboxContainer {
  /** Settles when the container's main process is gone (closed, or ended from outside). */
  readonly ended: Promise<void>;
  private closed = false;
  private readonly memoryKills: MemoryKillEvents;

  private constructor(
    private readonly docker: Dockerode,
    private readonly container: Dockerode.Container,
    private readonly control: HijackedStream,
    readonly limits: ContainerLimits,
  ) {
    this.memoryKills = new MemoryKillEvents(docker, container.id);
    this.ended = new Promise((resolve) => control.once("close", () => resolve()));
    control.on("error", () => {
      // The engine went away; `close` follows.
    });
    // The attach connection must not keep the host alive: when the host exits, the connection
    // closes with it, and that is what ends the container.
    control.unref?.();
  }

  /** Creates and starts a container; typed errors when the engine is not running or the image is missing. */
  static async start(options: DockerSandboxOptions = {}): Promise<DockerSandboxContainer> {
    const limits = containerLimits(options);
    const Docker = await loadDockerode();
    const docker = new Docker(options.connection as Dockerode.DockerOptions | undefined);
    let container: Dockerode.Container;
    try {
      container = await docker.createContainer(containerCreateBody(limits));
    } catch (error) {
      throw dockerFailure(error, "creating the sandbox container", limits.image);
    }
    // Best effort, not waited for: a sweep of what dead hosts left between create and start.
    removeUnstartedContainers(docker).catch(() => undefined);
    try {
      const control = (await container.attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true })) as HijackedStream;
      await container.start();
      return new DockerSandboxContainer(docker, container, control, limits);
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw dockerFailure(error, "starting the sandbox container", limits.image);
    }
  }

  /** The container's id on the engine. */
  get id(): string {
    return this.container.id;
  }

  /**
   * Starts `argv` in the container (as its non-root user, in the work directory) and returns its
   * channel: stdin and stdout carry the messages.
   */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<DockerExecChannel> {
    if (this.closed) throw new SandboxError("This Docker sandbox container is closed; start a new one.");
    let stream: HijackedStream;
    let exec: Dockerode.Exec;
    try {
      exec = await this.container.exec({ Cmd: pidReportingArgv(argv, options.dataLimitMb), AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
      stream = (await exec.start({ hijack: true, stdin: true })) as HijackedStream;
    } catch (error) {
      throw dockerFailure(error, "starting a process in the sandbox container");
    }
    const label = options.label ?? "The process in the sandbox container";
    return new DockerExecChannel(this.docker.modem as DemuxModem, exec, stream, {
      signalInterrupt: options.signalInterrupt ?? true,
      signalGroup: (signal, pid) => {
        if (this.control.writable) this.control.write(`${signal} ${pid}\n`);
      },
      endContainer: () => void this.close(),
      consumeMemoryKill: () => this.memoryKills.consumeNew().catch(() => false),
      memoryError: () =>
        new SandboxMemoryError(
          `The sandbox went over its container's memory limit and its process was ended (memoryLimitMb ${this.limits.memoryLimitMb} ` +
            `plus ${RUNTIME_HEADROOM_MB} MB for Python itself and the container); everything it held is gone. ` +
            "Use less memory at once (work in smaller parts, drop what is no longer needed), or ask the user to raise memoryLimitMb.",
        ),
    }, label);
  }

  /** Ends and removes the container; resolves once the engine no longer lists it. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Watched first: the engine's own removal (AutoRemove, when the stdin closes) and ours race,
    // and the loser's call returns while the winner is still at it.
    const removed = this.container.wait({ condition: "removed" }).catch(() => undefined);
    this.control.destroy();
    await this.container.remove({ force: true }).catch(() => undefined);
    await Promise.race([removed, new Promise((resolve) => setTimeout(resolve, REMOVAL_WAIT_MS).unref())]);
  }
}
