/**
 * The two ways a Docker sandbox fails before any code runs, each with what the user should do:
 * the engine cannot be reached (start it, or fix the permission), or the image is not on the
 * engine (pull or build it). Dockerode's own errors (a socket error, an HTTP 404 with a JSON body)
 * are translated here, once, so no caller shows a raw HTTP dump.
 */
import { SandboxError } from "../../errors.js";

/** The Docker engine could not be reached. */
export class DockerEngineUnavailableError extends SandboxError {
  override readonly name = "DockerEngineUnavailableError";
}

/** The image the sandbox starts from is not on the engine. */
export class DockerImageMissingError extends SandboxError {
  override readonly name = "DockerImageMissingError";
  constructor(
    readonly image: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The Docker image ${image} is not on this Docker engine (no registry is contacted when the sandbox starts). ` +
        `Run \`docker pull ${image}\` (or build it), or pass another image with python3 ≥ 3.9 in the executor's image option.`,
      options,
    );
  }
}

/** The fields of a dockerode or socket error that say what went wrong. */
interface EngineFailure {
  code?: string;
  statusCode?: number;
  message?: string;
  address?: string;
}

const UNREACHABLE_CODES = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ETIMEDOUT", "EPIPE"]);

/**
 * The error to throw for what dockerode reported while `doing` ("starting the sandbox container"):
 * a typed, actionable error when the cause is known, otherwise a `SandboxError` that names it.
 */
export function dockerFailure(error: unknown, doing: string, image?: string): SandboxError {
  const failure = (typeof error === "object" && error !== null ? error : {}) as EngineFailure;
  const where = failure.address === undefined ? "" : ` at ${failure.address}`;
  if (failure.code !== undefined && UNREACHABLE_CODES.has(failure.code)) {
    return new DockerEngineUnavailableError(
      `The Docker engine is not running or cannot be reached${where} (${failure.code} while ${doing}). ` +
        "Start it (`sudo systemctl start docker`, or `sudo dockerd &` where there is no systemd, or open Docker Desktop), " +
        "or point DOCKER_HOST at a running engine.",
      { cause: error },
    );
  }
  if (failure.code === "EACCES") {
    return new DockerEngineUnavailableError(
      `This user may not use the Docker engine's socket${where} (EACCES while ${doing}). ` +
        "Add the user to the docker group (`sudo usermod -aG docker $USER`, then log in again) or run as a user that may.",
      { cause: error },
    );
  }
  if (image !== undefined && failure.statusCode === 404 && /no such image/i.test(failure.message ?? "")) {
    return new DockerImageMissingError(image, { cause: error });
  }
  const said = failure.message ?? String(error);
  return new SandboxError(`Docker failed while ${doing}: ${said}`, { cause: error });
}
