/**
 * Fetches a GGUF model file from Hugging Face once, into a cache folder, for {@link LlamaCppModel}.
 * Model files weigh gigabytes, so a download is written to a `.part` file that a later attempt
 * continues with an HTTP Range request, the finished file is checked against the SHA-256 that
 * Hugging Face publishes for files stored in LFS, and only then renamed into place: a file in the
 * cache is always whole, and is used again without asking the network.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";

import { AgentConfigurationError } from "../../errors.js";

/** How far a download has got; `totalBytes` is undefined when the server does not say. */
export interface GgufDownloadProgress {
  /** Bytes of the file on disk so far, those of an earlier attempt included. */
  downloadedBytes: number;
  totalBytes: number | undefined;
  /** Bytes that were already there when this attempt started (a resumed download). */
  resumedFromBytes: number;
}

/** What {@link downloadGguf} fetches, and how. */
export interface DownloadGgufOptions {
  /** The Hugging Face repository, `owner/name`, e.g. `Qwen/Qwen2.5-Coder-7B-Instruct-GGUF`. */
  repo: string;
  /** The file's path in the repository, e.g. `qwen2.5-coder-7b-instruct-q4_k_m.gguf`. */
  file: string;
  /** Branch, tag or commit. Default `main`. */
  revision?: string;
  /** Where downloaded models are kept. Default: {@link defaultModelCacheDir}. */
  cacheDir?: string;
  /** The Hugging Face endpoint. Default: the `HF_ENDPOINT` environment variable, else `https://huggingface.co`. */
  baseUrl?: string;
  /** An access token, for gated or private repositories. Default: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`. */
  token?: string;
  /** Called as bytes arrive (often: draw a progress bar from it, at the rate you like). */
  onProgress?: (progress: GgufDownloadProgress) => void;
  /** Aborting stops the download, keeping what arrived for the next attempt; it rejects with the reason. */
  signal?: AbortSignal;
  /**
   * How many times a download cut off in the middle (a dropped connection) continues where it
   * stopped before giving up. Default 3.
   */
  resumeAttempts?: number;
  /** The `fetch` to download with. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** A model file could not be downloaded; the message says what to do instead. */
export class GgufDownloadError extends AgentConfigurationError {
  override readonly name = "GgufDownloadError";
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

const DEFAULT_ENDPOINT = "https://huggingface.co";
const DEFAULT_RESUME_ATTEMPTS = 3;

/** The default cache of downloaded models: `$XDG_CACHE_HOME/codeagent/models`, else `~/.cache/codeagent/models`. */
export function defaultModelCacheDir(): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheHome, "codeagent", "models");
}

/**
 * Splits `owner/name/path/to/file.gguf` (what follows `gguf:hf:` in a model string) into the
 * repository and the file's path in it.
 * @throws {AgentConfigurationError} when there is no file after the repository.
 */
export function parseHuggingFaceFile(reference: string): { repo: string; file: string } {
  const parts = reference.split("/").filter((part) => part !== "");
  if (parts.length < 3) {
    throw new AgentConfigurationError(`"${reference}" does not name a file in a Hugging Face repository: write owner/repository/file.gguf, e.g. Qwen/Qwen2.5-Coder-7B-Instruct-GGUF/qwen2.5-coder-7b-instruct-q4_k_m.gguf.`);
  }
  return { repo: `${parts[0]}/${parts[1]}`, file: parts.slice(2).join("/") };
}

/** Where {@link downloadGguf} keeps a file: `<cacheDir>/huggingface/<owner>/<name>/<revision>/<file>`. */
export function cachedGgufPath(options: Pick<DownloadGgufOptions, "repo" | "file" | "revision" | "cacheDir">): string {
  const { repo, file } = checkedNames(options.repo, options.file);
  return join(options.cacheDir ?? defaultModelCacheDir(), "huggingface", ...repo.split("/"), options.revision ?? "main", ...file.split("/"));
}

/**
 * The local path of a model file from Hugging Face, downloaded from
 * `<endpoint>/<repo>/resolve/<revision>/<file>` the first time and taken from the cache after.
 * An interrupted download continues where it stopped, in this call (up to `resumeAttempts`) or a
 * later one. When Hugging Face gives the file's SHA-256 (every LFS file, which model files are),
 * the finished file must match it.
 * @throws {GgufDownloadError} when the file cannot be fetched (the message says how to do without
 * the network), does not exist, needs a token, or arrives corrupted.
 */
export async function downloadGguf(options: DownloadGgufOptions): Promise<string> {
  options.signal?.throwIfAborted();
  const target = cachedGgufPath(options);
  if (await isFile(target)) return target;
  await mkdir(dirname(target), { recursive: true });
  const download = new Download(options, target);
  return await download.run();
}

/** One file's download: attempts that each continue the `.part` file, then the check and the rename. */
class Download {
  private readonly url: string;
  private readonly partPath: string;
  private readonly fetch: typeof globalThis.fetch;
  private readonly token: string | undefined;
  private expectedSha256: string | undefined;
  private totalBytes: number | undefined;

  constructor(
    private readonly options: DownloadGgufOptions,
    private readonly target: string,
  ) {
    const endpoint = (options.baseUrl ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, "");
    const revision = encodeURIComponent(options.revision ?? "main");
    const file = options.file.split("/").map(encodeURIComponent).join("/");
    this.url = `${endpoint}/${options.repo}/resolve/${revision}/${file}`;
    this.partPath = `${target}.part`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.token = options.token ?? (process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined);
  }

  async run(): Promise<string> {
    const attempts = 1 + (this.options.resumeAttempts ?? DEFAULT_RESUME_ATTEMPTS);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.attempt();
        break;
      } catch (error) {
        this.options.signal?.throwIfAborted();
        // Only a connection lost in the middle is worth continuing; an answer like 404 is final,
        // and a server that cannot be reached at all will not be reached by asking again at once.
        if (!(error instanceof InterruptedDownload) || error.unreachable || attempt >= attempts) throw this.finalError(error);
      }
    }
    await this.verify();
    await rename(this.partPath, this.target);
    return this.target;
  }

  /** One request, appending to the `.part` file what it brings. */
  private async attempt(): Promise<void> {
    const startAt = await fileSize(this.partPath);
    if (this.totalBytes !== undefined && startAt >= this.totalBytes) return;
    const response = await this.request(startAt);
    if (response.status === 416 && startAt > 0) {
      // The part already holds the whole file (the last attempt died before renaming it).
      await response.body?.cancel();
      return;
    }
    if (response.status !== 200 && response.status !== 206) throw await this.httpError(response);
    const resumed = response.status === 206;
    if (resumed) {
      const rangeStart = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "")?.[1];
      if (rangeStart !== undefined && Number(rangeStart) !== startAt) {
        await response.body?.cancel();
        throw new GgufDownloadError(`The server at ${this.url} sent bytes from ${rangeStart} when asked for ${startAt}; delete ${this.partPath} and try again.`);
      }
    }
    this.totalBytes ??= totalSize(response, resumed ? startAt : 0);
    const offset = resumed ? startAt : 0;
    if (response.body === null) throw new InterruptedDownload("the server sent no body");
    let written = offset;
    const progress = (bytes: number) => {
      written += bytes;
      this.options.onProgress?.({ downloadedBytes: written, totalBytes: this.totalBytes, resumedFromBytes: offset });
    };
    this.options.onProgress?.({ downloadedBytes: offset, totalBytes: this.totalBytes, resumedFromBytes: offset });
    try {
      // A server that ignores Range (200) sends the whole file: start the part again.
      await pipeline(
        response.body,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            progress(chunk.byteLength);
            yield chunk;
          }
        },
        createWriteStream(this.partPath, { flags: resumed ? "a" : "w" }),
        { signal: this.options.signal },
      );
    } catch (error) {
      this.options.signal?.throwIfAborted();
      throw new InterruptedDownload(errorMessage(error), { cause: error });
    }
    if (this.totalBytes !== undefined && written < this.totalBytes) throw new InterruptedDownload(`the connection closed after ${written} of ${this.totalBytes} bytes`);
  }

  /**
   * Sends the GET. The first hop is taken by hand: Hugging Face answers `resolve` with a redirect
   * to its CDN whose headers carry the file's SHA-256 (`X-Linked-ETag`) and size, which the CDN's
   * own answer does not.
   */
  private async request(startAt: number): Promise<Response> {
    const headers: Record<string, string> = { "user-agent": "codeagent" };
    if (startAt > 0) headers.range = `bytes=${startAt}-`;
    const authorization: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    let response: Response;
    try {
      response = await this.fetch(this.url, { headers: { ...headers, ...authorization }, redirect: "manual", signal: this.options.signal });
      this.noteChecksum(response);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        const next = new URL(location, this.url);
        // The token goes only to the endpoint itself, not to the CDN it redirects to.
        const sameOrigin = next.origin === new URL(this.url).origin;
        response = await this.fetch(next, { headers: sameOrigin ? { ...headers, ...authorization } : headers, signal: this.options.signal });
        if (this.expectedSha256 === undefined) this.noteChecksum(response);
      }
    } catch (error) {
      this.options.signal?.throwIfAborted();
      throw new InterruptedDownload(errorMessage(error), { cause: error, unreachable: true });
    }
    return response;
  }

  /** Takes the SHA-256 from the `X-Linked-ETag` (LFS files) or `ETag` header when it is one (not a git hash). */
  private noteChecksum(response: Response): void {
    for (const name of ["x-linked-etag", "etag"]) {
      const value = response.headers.get(name)?.replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();
      if (value !== undefined && /^[0-9a-f]{64}$/.test(value)) {
        this.expectedSha256 ??= value;
        break;
      }
    }
    const linkedSize = Number(response.headers.get("x-linked-size") ?? Number.NaN);
    if (Number.isSafeInteger(linkedSize) && linkedSize > 0) this.totalBytes ??= linkedSize;
  }

  /** Checks the finished part's size and SHA-256; a corrupted part is deleted, so the next attempt starts afresh. */
  private async verify(): Promise<void> {
    const size = await fileSize(this.partPath);
    if (this.totalBytes !== undefined && size !== this.totalBytes) {
      await rm(this.partPath, { force: true });
      throw new GgufDownloadError(`The download of ${this.url} ended with ${size} bytes where the server announced ${this.totalBytes}; it was deleted. Try again.`);
    }
    if (this.expectedSha256 === undefined) return;
    const actual = await sha256OfFile(this.partPath);
    if (actual !== this.expectedSha256) {
      await rm(this.partPath, { force: true });
      throw new GgufDownloadError(
        `The download of ${this.url} is corrupted: its SHA-256 is ${actual}, Hugging Face says ${this.expectedSha256}. It was deleted; try again, or download the file by hand and use gguf:/path/to/file.gguf.`,
      );
    }
  }

  private async httpError(response: Response): Promise<GgufDownloadError> {
    await response.body?.cancel();
    const status = response.status;
    if (status === 401 || status === 403) {
      const given = this.token ? "The token given was refused" : "No token was given";
      return new GgufDownloadError(
        `Hugging Face refused ${this.url} (HTTP ${status}): the repository is gated or private. ${given}; set HF_TOKEN to an access token of an account that accepted the model's terms.`,
        { status },
      );
    }
    if (status === 404) {
      return new GgufDownloadError(`There is no file ${this.options.file} in the Hugging Face repository ${this.options.repo} (HTTP 404 from ${this.url}). Check the repository and file names on its "Files" page.`, { status });
    }
    return new GgufDownloadError(`Downloading ${this.url} failed with HTTP ${status}. Try again later, or download the file by hand and use gguf:/path/to/file.gguf.`, { status });
  }

  /** The error a failed download ends with: an unreachable server says how to do without it. */
  private finalError(error: unknown): unknown {
    if (!(error instanceof InterruptedDownload)) return error;
    if (error.unreachable) {
      return new GgufDownloadError(
        `Could not reach ${this.url} (${error.message}). Without network access, download ${this.options.file} by hand (from https://huggingface.co/${this.options.repo}) and use gguf:/path/to/file.gguf (LlamaCppModel's modelPath); or set HF_ENDPOINT to a mirror you can reach.`,
        { cause: error.cause },
      );
    }
    return new GgufDownloadError(`The download of ${this.url} was cut off (${error.message}). What arrived is kept in ${this.partPath}: run again to continue it.`, { cause: error.cause });
  }
}

/** An attempt that ended early and can be continued. */
class InterruptedDownload extends Error {
  readonly unreachable: boolean;
  constructor(message: string, options: { cause?: unknown; unreachable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.unreachable = options.unreachable ?? false;
  }
}

/** The whole file's size from `Content-Range` (`bytes 100-199/200`), else from `Content-Length` and the offset. */
function totalSize(response: Response, offset: number): number | undefined {
  const fromRange = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1];
  if (fromRange !== undefined) return Number(fromRange);
  const length = response.headers.get("content-length");
  return length === null ? undefined : offset + Number(length);
}

/** The names, checked so that neither can climb out of the cache folder. */
function checkedNames(repo: string, file: string): { repo: string; file: string } {
  const repoParts = repo.split("/");
  if (repoParts.length !== 2 || repoParts.some((part) => !/^[\w.-]+$/.test(part) || part === "." || part === "..")) {
    throw new AgentConfigurationError(`"${repo}" is not a Hugging Face repository name: write owner/name, e.g. Qwen/Qwen2.5-Coder-7B-Instruct-GGUF.`);
  }
  if (file === "" || file.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new AgentConfigurationError(`"${file}" is not a file path in a repository: write e.g. model-q4_k_m.gguf or subfolder/model.gguf.`);
  }
  return { repo, file };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
