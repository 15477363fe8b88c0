/**
 * The agent's Python in a Docker container, on the shared channel lifecycle: the CPython runtime
 * runs as a process in a locked-down container (no network unless allowed, read-only root with a
 * small writable /work, memory, CPU and process limits, a non-root user without capabilities),
 * the tools stay on the host and are reached over the bridge, a reset restarts the interpreter
 * (not the container), and the container is removed on `close()`, on host exit and when the host
 * is killed. Any image with python3 ≥ 3.9 and `sh` works; nothing is installed in it. Needs the
 * `dockerode` package and a running Docker engine.
 */
import { ChannelExecutor, type ChannelExecutorOptions } from "../channel/channel-executor.js";
import type { ExecutorOptions } from "../executor.js";
import { DockerLauncher, type DockerLauncherOptions } from "./docker-launcher.js";
import { dockerPromptNotes } from "./prompt-notes.js";

/**
 * Options of {@link DockerExecutor}: the executor's limits (with `interruptGraceMs`) and the
 * container's (image, network, cpus, pidsLimit, ...).
 */
export interface DockerExecutorOptions extends ExecutorOptions, DockerLauncherOptions, Pick<ChannelExecutorOptions, "interruptGraceMs"> {}

/** Runs Python in a Docker container; see the module comment. */
export class DockerExecutor extends ChannelExecutor {
  constructor(options: DockerExecutorOptions = {}) {
    super({ ...options, language: "python", promptNotes: dockerPromptNotes(Boolean(options.network)), launcher: new DockerLauncher(options) });
  }
}
