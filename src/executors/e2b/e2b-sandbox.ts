/**
 * An E2B sandbox driven through the `e2b` SDK: created from a template (or connected to by id),
 * each process started with `commands.run(..., { background: true, stdin: true })`, its stdout and
 * stderr streamed back by the SDK's callbacks, stdin sent with `commands.sendStdin`, killed with
 * SIGKILL by `kill`. The sandbox's lifetime on E2B's side (`timeoutMs`) is short and renewed while
 * the executor uses it, so a host that dies without closing leaves it for at most that long.
 */
import type { ConnectionConfig, Sandbox as E2BSandboxClass, SandboxOpts } from "e2b";

import { MissingCredentialsError } from "../../errors.js";
import { importOptional, type OptionalPackage } from "../import-optional.js";
import type { ProcessOutput, RemoteProcess } from "../remote/remote-process-channel.js";
import type { RemoteSandboxLimits, VendorSandbox } from "../remote/remote-sandbox-launcher.js";
import { shellCommand } from "../remote/shell-command.js";

/** The parts of the `e2b` module this adapter uses. */
interface E2BModule {
  Sandbox: typeof E2BSandboxClass;
  ConnectionConfig: typeof ConnectionConfig;
}

/** The SDK package and its install line. */
export const E2B_PACKAGE: OptionalPackage = {
  specifier: "e2b",
  installCommand: "npm install e2b@^2",
  purpose: "The E2B sandbox",
};

/** How to reach E2B and what sandbox to make. */
export interface E2BSandboxOptions {
  /** The API key; `E2B_API_KEY` when absent. */
  apiKey?: string;
  /** The template the sandbox starts from (it needs `python3` ≥ 3.9); E2B's default when absent. */
  template?: string;
  /** Use this running sandbox instead of creating one; it is left running on close (it is not ours). */
  sandboxId?: string;
  /**
   * How long E2B keeps the sandbox once this host stops using it, in milliseconds: renewed every
   * half of it while the executor uses it. Default 300,000 (5 minutes).
   */
  lifetimeMs?: number;
  /** Whether code in the sandbox may reach the internet. Default false: tools run on the host. */
  allowInternetAccess?: boolean;
  /** Environment variables of the sandbox. */
  envs?: Record<string, string>;
  /** E2B's API, for a self-hosted E2B (`E2B_API_URL`, `E2B_SANDBOX_URL`, `E2B_DOMAIN` also work). */
  apiUrl?: string;
  sandboxUrl?: string;
  domain?: string;
}

export const DEFAULT_E2B_LIFETIME_MS = 300_000;

/** The API key from the options or the environment, checked before anything is loaded or called. */
export function e2bApiKey(options: E2BSandboxOptions): string {
  const apiKey = options.apiKey ?? process.env["E2B_API_KEY"];
  if (apiKey === undefined || apiKey === "") {
    throw new MissingCredentialsError(
      ["E2B_API_KEY"],
      "The E2B sandbox needs an API key: set E2B_API_KEY (from https://e2b.dev/dashboard?tab=keys) or pass the apiKey option.",
    );
  }
  return apiKey;
}

/** How an E2B process ended, from what `wait()` settled with. */
function endNote(outcome: { exitCode?: unknown; error?: unknown; message?: string }): string {
  if (typeof outcome.exitCode !== "number") return `lost its connection to E2B (${outcome.message ?? "no reason given"})`;
  const detail = typeof outcome.error === "string" && outcome.error !== "" ? ` (${outcome.error})` : "";
  return `exited with code ${outcome.exitCode}${detail}`;
}

/** Creates (or connects to) the sandbox; see the module comment. */
export async function createE2BSandbox(options: E2BSandboxOptions): Promise<VendorSandbox> {
  const apiKey = e2bApiKey(options);
  const sdk = await importOptional<E2BModule>(E2B_PACKAGE);
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_E2B_LIFETIME_MS;
  const connection = {
    apiKey,
    ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
    ...(options.sandboxUrl === undefined ? {} : { sandboxUrl: options.sandboxUrl }),
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  };
  const created: SandboxOpts = {
    ...connection,
    timeoutMs: lifetimeMs,
    allowInternetAccess: options.allowInternetAccess ?? false,
    ...(options.envs === undefined ? {} : { envs: options.envs }),
  };
  const owned = options.sandboxId === undefined;
  const sandbox = owned
    ? await (options.template === undefined ? sdk.Sandbox.create(created) : sdk.Sandbox.create(options.template, created))
    : await sdk.Sandbox.connect(options.sandboxId!, { ...connection, timeoutMs: lifetimeMs });

  // The same URL and header the SDK's own kill uses, for the detached request sent if the host exits first.
  const apiUrl = new sdk.ConnectionConfig(connection).apiUrl;
  const destroyRequest = { url: `${apiUrl}/sandboxes/${sandbox.sandboxId}`, method: "DELETE" as const, headers: { "X-API-KEY": apiKey } };

  return {
    ...(owned ? { destroyRequest } : {}),
    async start(argv: readonly string[], output: ProcessOutput, limits: RemoteSandboxLimits): Promise<RemoteProcess> {
      const handle = await sandbox.commands.run(shellCommand(argv, limits.memoryLimitMb), {
        background: true,
        stdin: true,
        // 0: the stream stays open as long as the process runs (the SDK's default cuts it at 60 s).
        timeoutMs: 0,
        onStdout: output.stdout,
        onStderr: output.stderr,
      });
      handle.wait().then(
        (result) => output.exited(endNote(result)),
        (error: unknown) => output.exited(endNote(error as { exitCode?: unknown; error?: unknown; message?: string })),
      );
      return {
        write: (text) => sandbox.commands.sendStdin(handle.pid, text),
        kill: async () => {
          await handle.kill();
        },
      };
    },
    async destroy(): Promise<void> {
      if (owned) await sandbox.kill();
    },
    async renewLifetime(): Promise<void> {
      await sandbox.setTimeout(lifetimeMs);
    },
  };
}
