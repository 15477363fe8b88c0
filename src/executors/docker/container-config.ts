/**
 * What a sandbox container is allowed, as the Engine API's create body: the options a user gives
 * (image, memory, CPUs, process count, network) and the lockdown that is always on (read-only root
 * file system with small writable tmpfs directories, non-root user, no capabilities, no new
 * privileges, no host mounts), under the engine's init. Its main process reads its stdin until the
 * host goes away, so the container ends itself when the host does, and the engine then removes it.
 */
import type Dockerode from "dockerode";

import { positiveLimit } from "../limit-options.js";
import { CPYTHON_RUNTIME_OVERHEAD_MB } from "../cpython/python-command.js";
import { DEFAULT_DOCKER_IMAGE, type DockerContainerOptions } from "./docker-options.js";

export { DEFAULT_DOCKER_IMAGE, type DockerContainerOptions } from "./docker-options.js";


/** The label on every sandbox container, so they can be found and counted. */
export const SANDBOX_LABEL = "codeagent.sandbox";

/** The writable directory the code runs in (tmpfs); the rest of the file system is read-only. */
export const WORK_DIR = "/work";

/**
 * Memory the container takes besides what the code may use: what CPython itself holds (the
 * interpreter, the runtime, a loaded numpy: the allowance the local sandbox makes, and the data
 * limit each interpreter gets on top of memoryLimitMb), and 64 MB more for what the kernel charges
 * the container beyond that (files it read, a replaced interpreter's last moments), so the
 * interpreter's own limit — a MemoryError the code can handle — comes first.
 */
export const RUNTIME_HEADROOM_MB = CPYTHON_RUNTIME_OVERHEAD_MB + 64;

/**
 * The container's main process: reads "SIGNAL PID" lines from the host and signals that process
 * group (how an exec is interrupted or killed; Docker has no call for it). `read` and `kill` are
 * shell builtins, so it starts no process, and works even when the code has used up the pid limit.
 */
export const CONTROL_LOOP = 'while read -r signal group; do kill -s "$signal" -- "-$group" 2>/dev/null; done';

/** The user and group the code runs as: `nobody`/`nogroup` in Debian-based images (any ids work). */
const SANDBOX_UID = 65534;
export const SANDBOX_USER = `${SANDBOX_UID}:${SANDBOX_UID}`;


/** The options with their defaults, checked. */
export interface ContainerLimits {
  image: string;
  memoryLimitMb: number;
  cpus: number;
  pidsLimit: number;
  networkMode: string;
  workDirMb: number;
  labels: Record<string, string>;
}

/** Fills in defaults and refuses limits that are not finite positive numbers. */
export function containerLimits(options: DockerContainerOptions): ContainerLimits {
  const network = options.network ?? false;
  return {
    image: options.image ?? DEFAULT_DOCKER_IMAGE,
    memoryLimitMb: positiveLimit("memoryLimitMb", options.memoryLimitMb, 512),
    cpus: positiveLimit("cpus", options.cpus, 1),
    pidsLimit: Math.floor(positiveLimit("pidsLimit", options.pidsLimit, 64)),
    networkMode: network === false ? "none" : network === true ? "bridge" : network,
    workDirMb: positiveLimit("workDirMb", options.workDirMb, 64),
    labels: { ...options.labels, [SANDBOX_LABEL]: "1" },
  };
}

const MIB = 1024 * 1024;

/**
 * Thread counts for numpy's BLAS and OpenMP: the CPU limit does not change the cores the container
 * sees, so left alone they start a thread per host core, which the pid limit would refuse.
 */
function threadCounts(cpus: number): string[] {
  const threads = Math.max(1, Math.ceil(cpus));
  return ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"].map((name) => `${name}=${threads}`);
}

/** The Engine API body that creates a sandbox container with `limits`. */
export function containerCreateBody(limits: ContainerLimits): Dockerode.ContainerCreateOptions {
  const memoryBytes = Math.round((limits.memoryLimitMb + RUNTIME_HEADROOM_MB) * MIB);
  // Owned by the sandbox's user: a directory the engine makes for a tmpfs is root's otherwise.
  const tmpfs = `rw,nosuid,nodev,noexec,size=${Math.round(limits.workDirMb)}m,uid=${SANDBOX_UID},gid=${SANDBOX_UID}`;
  return {
    Image: limits.image,
    // Reads its stdin until the host's attach connection closes (host closed, exited or killed),
    // then exits: the container stops, and AutoRemove removes it.
    Entrypoint: ["sh", "-c", CONTROL_LOOP],
    Cmd: [],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    User: SANDBOX_USER,
    WorkingDir: WORK_DIR,
    Env: [`HOME=${WORK_DIR}`, "PYTHONDONTWRITEBYTECODE=1", ...threadCounts(limits.cpus)],
    Labels: limits.labels,
    NetworkDisabled: limits.networkMode === "none",
    HostConfig: {
      AutoRemove: true,
      // The engine's tiny init as pid 1 reaps what killed interpreters leave: without it their
      // orphans stay as zombies, and zombies count against the pid limit until nothing can start.
      Init: true,
      NetworkMode: limits.networkMode,
      ReadonlyRootfs: true,
      Tmpfs: { [WORK_DIR]: tmpfs, "/tmp": tmpfs },
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pidsLimit,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      Privileged: false,
      Binds: [],
      Mounts: [],
    },
  };
}
