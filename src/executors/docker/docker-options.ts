/**
 * What a user may set on a Docker sandbox, as plain types of our own: nothing here names
 * dockerode's types, so a project that uses codeagent's types needs no typings for dockerode.
 */

/** The image used when none is given: any image with python3 ≥ 3.9 works. */
export const DEFAULT_DOCKER_IMAGE = "python:3.12-slim";

/** How a sandbox container is made. */
export interface DockerContainerOptions {
  /** An image with python3 ≥ 3.9 on the engine. Default `python:3.12-slim`. */
  image?: string;
  /** Memory the code may use, in MiB; the container gets this plus the runtime's headroom (RUNTIME_HEADROOM_MB), no swap. Default 512. */
  memoryLimitMb?: number;
  /** CPUs the container may use (fractions allowed). Default 1. */
  cpus?: number;
  /** Processes and threads the container may hold at once. Default 64. */
  pidsLimit?: number;
  /**
   * Network access: none by default. `true` joins Docker's default bridge network (the internet,
   * where the engine has it); a string names a Docker network to join.
   */
  network?: boolean | string;
  /** Size of the writable work directory and of /tmp (each a tmpfs, counted in the memory limit), in MiB. Default 64. */
  workDirMb?: number;
  /** Extra labels on the container. */
  labels?: Record<string, string>;
}

/**
 * Where the engine is, in dockerode's terms (its own types stay out of ours, so a project that
 * uses codeagent's types needs no typings for dockerode).
 */
export interface DockerConnection {
  socketPath?: string;
  host?: string;
  port?: number | string;
  protocol?: "http" | "https" | "ssh";
  ca?: string | Uint8Array;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  version?: string;
  timeout?: number;
}

/** How a sandbox container is made and where its engine is. */
export interface DockerSandboxOptions extends DockerContainerOptions {
  /** How to reach the engine (socket path, host, TLS); dockerode's defaults (DOCKER_HOST or the local socket) when absent. */
  connection?: DockerConnection;
}

