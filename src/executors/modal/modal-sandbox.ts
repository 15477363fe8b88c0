/**
 * A Modal sandbox driven through Modal's JavaScript SDK (npm `modal`, pinned: its `latest` tag is
 * an unrelated old package): created in an app from a registry image (or found by id), each process
 * started with `sandbox.exec(argv, { stdout: "pipe", stderr: "pipe" })`, its stdin a writable
 * stream and its stdout and stderr readable ones. Modal has no call that kills one exec'd process,
 * so each process is started under `sh`, which writes its pid to a file and sets the memory limit
 * first (see `shell-command.ts`), and a kill is a second exec of `kill -KILL` on that pid: a reset
 * restarts the interpreter, not the sandbox.
 *
 * Modal cannot renew a sandbox's lifetime: `lifetimeMs` is its hard end (the next launch after it
 * creates a fresh sandbox, state lost), and `idleTimeoutMs` ends one that nobody uses.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { MissingCredentialsError } from "../../errors.js";
import { importOptional, type OptionalPackage } from "../import-optional.js";
import { memoryLimitPrefix } from "../remote/shell-command.js";
import { CPYTHON_RUNTIME_OVERHEAD_MB } from "../cpython/python-command.js";
import type { ProcessOutput, RemoteProcess } from "../remote/remote-process-channel.js";
import type { RemoteSandboxLimits, VendorSandbox } from "../remote/remote-sandbox-launcher.js";

/** One process exec'd in a Modal sandbox: the part of the SDK's `ContainerProcess` used here. */
export interface ModalProcessLike {
  stdin: WritableStream<string>;
  stdout: ReadableStream<string>;
  stderr: ReadableStream<string>;
  wait(): Promise<number>;
}

/** A Modal sandbox: the part of the SDK's `Sandbox` used here. */
export interface ModalSandboxLike {
  readonly sandboxId: string;
  exec(command: string[], params: { mode: "text"; stdout: "pipe"; stderr: "pipe" }): Promise<ModalProcessLike>;
  terminate(): Promise<unknown>;
}

/** A Modal client: the part of the SDK's `ModalClient` used here. */
export interface ModalClientLike {
  apps: { fromName(name: string, params: { createIfMissing: boolean; environment?: string }): Promise<unknown> };
  images: { fromRegistry(tag: string): unknown };
  sandboxes: {
    create(app: never, image: never, params: ModalCreateParams): Promise<ModalSandboxLike>;
    fromId(sandboxId: string): Promise<ModalSandboxLike>;
  };
  close(): void;
}

/** What this adapter asks of a new sandbox (a subset of the SDK's `SandboxCreateParams`). */
export interface ModalCreateParams {
  timeoutMs: number;
  idleTimeoutMs: number;
  blockNetwork: boolean;
  memoryMiB: number;
  memoryLimitMiB: number;
  env?: Record<string, string>;
}

/** The SDK module, or a stand-in with the same shape (tests hand one in through `sdk`). */
export interface ModalSdk {
  ModalClient: new (params: { tokenId?: string; tokenSecret?: string; environment?: string }) => ModalClientLike;
}

/** The SDK package and its install line (pinned: `modal@latest` is an unrelated package). */
export const MODAL_PACKAGE: OptionalPackage = {
  specifier: "modal",
  installCommand: "npm install modal@0.11.1",
  purpose: "The Modal sandbox",
};

/** How to reach Modal and what sandbox to make. */
export interface ModalSandboxOptions {
  /** Modal's token; `MODAL_TOKEN_ID` and `MODAL_TOKEN_SECRET`, or the profile in ~/.modal.toml, when absent. */
  tokenId?: string;
  tokenSecret?: string;
  /** The Modal environment; the profile's when absent. */
  environment?: string;
  /** The app the sandbox belongs to, created if missing. Default "codeagent". */
  appName?: string;
  /** A registry image with `python3` ≥ 3.9. Default "python:3.12-slim". */
  image?: string;
  /** Use this running sandbox instead of creating one; it is left running on close (it is not ours). */
  sandboxId?: string;
  /** The sandbox's hard lifetime on Modal, in milliseconds (Modal cannot renew it). Default 1,800,000 (30 min). */
  lifetimeMs?: number;
  /** How long Modal keeps a sandbox nobody uses, in milliseconds. Default 300,000 (5 min). */
  idleTimeoutMs?: number;
  /** Whether code in the sandbox may reach the network. Default false: tools run on the host. */
  network?: boolean;
  /** Environment variables of the sandbox. */
  env?: Record<string, string>;
  /** The SDK; loaded from `modal` when absent. Tests hand in a stand-in here. */
  sdk?: ModalSdk;
}

export const DEFAULT_MODAL_LIFETIME_MS = 1_800_000;
export const DEFAULT_MODAL_IDLE_TIMEOUT_MS = 300_000;

/** The token from the options or the environment, or the profile file; checked before anything is loaded or called. */
export function modalCredentials(options: ModalSandboxOptions): { tokenId?: string; tokenSecret?: string } {
  const tokenId = options.tokenId ?? process.env["MODAL_TOKEN_ID"];
  const tokenSecret = options.tokenSecret ?? process.env["MODAL_TOKEN_SECRET"];
  if (tokenId && tokenSecret) return { tokenId, tokenSecret };
  const profile = process.env["MODAL_CONFIG_PATH"] || join(homedir(), ".modal.toml");
  if (!tokenId && !tokenSecret && existsSync(profile)) return {};
  const missing = [...(tokenId ? [] : ["MODAL_TOKEN_ID"]), ...(tokenSecret ? [] : ["MODAL_TOKEN_SECRET"])];
  throw new MissingCredentialsError(
    missing,
    `The Modal sandbox needs a Modal token: set ${missing.join(" and ")} (from https://modal.com/settings/tokens), ` +
      "pass the tokenId and tokenSecret options, or run `modal token new` to write ~/.modal.toml.",
  );
}

/** Everything a readable stream yields, to `deliver`, until it ends. */
async function drain(stream: ReadableStream<string>, deliver: (text: string) => void): Promise<void> {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    deliver(value);
  }
}

/** Modal takes its timeouts in whole seconds (as milliseconds); a part-second is rounded up. */
const wholeSeconds = (milliseconds: number) => Math.max(1, Math.ceil(milliseconds / 1000)) * 1000;

/** How a Modal process ended, from its exit code (128 + n: killed by signal n). */
const endNote = (code: number) => (code > 128 ? `was killed by signal ${code - 128}` : `exited with code ${code}`);

/** Creates (or finds) the sandbox; see the module comment. */
export async function createModalSandbox(options: ModalSandboxOptions, limits: RemoteSandboxLimits): Promise<VendorSandbox> {
  const credentials = modalCredentials(options);
  const sdk = options.sdk ?? (await importOptional<ModalSdk>(MODAL_PACKAGE));
  const client = new sdk.ModalClient({ ...credentials, ...(options.environment ? { environment: options.environment } : {}) });
  const owned = options.sandboxId === undefined;
  let sandbox: ModalSandboxLike;
  try {
    if (owned) {
      const app = await client.apps.fromName(options.appName ?? "codeagent", {
        createIfMissing: true,
        ...(options.environment ? { environment: options.environment } : {}),
      });
      const image = client.images.fromRegistry(options.image ?? "python:3.12-slim");
      // The code's limit plus what CPython itself holds, reserved and capped (Modal wants both).
      const memory = limits.memoryLimitMb + CPYTHON_RUNTIME_OVERHEAD_MB;
      sandbox = await client.sandboxes.create(app as never, image as never, {
        timeoutMs: wholeSeconds(options.lifetimeMs ?? DEFAULT_MODAL_LIFETIME_MS),
        idleTimeoutMs: wholeSeconds(options.idleTimeoutMs ?? DEFAULT_MODAL_IDLE_TIMEOUT_MS),
        blockNetwork: !(options.network ?? false),
        memoryMiB: memory,
        memoryLimitMiB: memory,
        ...(options.env ? { env: options.env } : {}),
      });
    } else {
      sandbox = await client.sandboxes.fromId(options.sandboxId!);
    }
  } catch (error) {
    client.close();
    throw error;
  }

  return {
    async start(argv: readonly string[], output: ProcessOutput, limits: RemoteSandboxLimits): Promise<RemoteProcess> {
      const pidFile = `/tmp/codeagent-${randomUUID()}.pid`;
      const script = `echo $$ > "$0" && ${memoryLimitPrefix(limits.memoryLimitMb)}exec "$@"`;
      const process = await sandbox.exec(["sh", "-c", script, pidFile, ...argv], {
        mode: "text",
        stdout: "pipe",
        stderr: "pipe",
      });
      const writer = process.stdin.getWriter();
      writer.closed.catch(() => undefined);
      // The end is reported once all output is in, so nothing the process said is lost.
      const drained = Promise.all([drain(process.stdout, output.stdout), drain(process.stderr, output.stderr)]);
      Promise.all([process.wait(), drained]).then(
        ([code]) => output.exited(endNote(code)),
        (error: unknown) => output.exited(`lost its connection to Modal (${error instanceof Error ? error.message : String(error)})`),
      );
      return {
        write: (text) => writer.write(text),
        kill: async () => {
          const killer = await sandbox.exec(["sh", "-c", 'kill -KILL "$(cat "$0")"; rm -f "$0"', pidFile], {
            mode: "text",
            stdout: "pipe",
            stderr: "pipe",
          });
          await killer.wait();
        },
      };
    },
    async destroy(): Promise<void> {
      try {
        if (owned) await sandbox.terminate();
      } finally {
        client.close();
      }
    },
  };
}
