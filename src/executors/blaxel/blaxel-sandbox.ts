/**
 * A Blaxel sandbox driven through `@blaxel/core`: created from an image with Python (or found by
 * name), each process started with `process.exec({ command, stdin: true })`, its output read from
 * the process's log stream (`process.streamLogs`, which hands over whole lines, stdout and stderr
 * apart), its stdin fed with `process.writeStdin` and ended with `process.kill`. When the log
 * stream ends, the process's record says how it ended.
 *
 * If the host exits without closing, the sandbox's delete is sent from a detached process; the
 * backstop behind it is Blaxel's own expiration policy: a sandbox nobody has used for
 * `idleLifetime` is deleted.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import type { SandboxInstance } from "@blaxel/core";

import { MissingCredentialsError } from "../../errors.js";
import { importOptional, type OptionalPackage } from "../import-optional.js";
import type { ProcessOutput, RemoteProcess } from "../remote/remote-process-channel.js";
import type { RemoteSandboxLimits, VendorSandbox } from "../remote/remote-sandbox-launcher.js";
import { shellCommand } from "../remote/shell-command.js";

/** The parts of `@blaxel/core` this adapter uses. */
interface BlaxelModule {
  SandboxInstance: typeof SandboxInstance;
  initialize(config: { apiKey: string; workspace: string }): void;
  settings: { baseUrl: string; headers: Record<string, string> };
}

/** The SDK package and its install line. */
export const BLAXEL_PACKAGE: OptionalPackage = {
  specifier: "@blaxel/core",
  installCommand: "npm install @blaxel/core@^0.3",
  purpose: "The Blaxel sandbox",
};

/** How to reach Blaxel and what sandbox to make. */
export interface BlaxelSandboxOptions {
  /** The API key and workspace; `BL_API_KEY` and `BL_WORKSPACE` (or `bl login`) when absent. Both or neither. */
  apiKey?: string;
  workspace?: string;
  /** An image with `python3` ≥ 3.9. Default "blaxel/py-app:latest" (Python 3.12). */
  image?: string;
  /** Memory of the sandbox in MB. Default 2048. */
  memoryMb?: number;
  /** The region (e.g. "us-pdx-1"); `BL_REGION` when absent. */
  region?: string;
  /** Use this running sandbox instead of creating one; it is left running on close (it is not ours). */
  name?: string;
  /** How long Blaxel keeps a sandbox nobody uses before deleting it. Default "10m". */
  idleLifetime?: string;
  /** Environment variables of the sandbox. */
  envs?: Record<string, string>;
}

const CONFIG_FILE = join(homedir(), ".blaxel", "config.yaml");

/** The credentials from the options, the environment or `bl login`'s file; checked before anything is loaded or called. */
export function blaxelCredentials(options: BlaxelSandboxOptions): { apiKey: string; workspace: string } | undefined {
  const apiKey = options.apiKey ?? process.env["BL_API_KEY"];
  const workspace = options.workspace ?? process.env["BL_WORKSPACE"];
  if (apiKey && workspace) return { apiKey, workspace };
  if (!apiKey && !workspace && existsSync(CONFIG_FILE)) return undefined;
  const missing = [...(apiKey ? [] : ["BL_API_KEY"]), ...(workspace ? [] : ["BL_WORKSPACE"])];
  throw new MissingCredentialsError(
    missing,
    `The Blaxel sandbox needs a Blaxel API key and workspace: set ${missing.join(" and ")}, ` +
      "pass the apiKey and workspace options, or run `bl login`.",
  );
}

/** How a Blaxel process ended, from its record. */
function endNote(record: { status?: string; exitCode?: number }): string {
  if (record.status === "killed") return "was killed";
  return `exited with code ${record.exitCode ?? "unknown"}${record.status ? ` (${record.status})` : ""}`;
}

const said = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Creates (or finds) the sandbox; see the module comment. */
export async function createBlaxelSandbox(options: BlaxelSandboxOptions): Promise<VendorSandbox> {
  const credentials = blaxelCredentials(options);
  const sdk = await importOptional<BlaxelModule>(BLAXEL_PACKAGE);
  // The SDK's configuration is global to the process: set only when this executor was given credentials.
  if (credentials && (options.apiKey || options.workspace)) sdk.initialize(credentials);
  const owned = options.name === undefined;
  const region = options.region ?? process.env["BL_REGION"];
  const sandbox = owned
    ? await sdk.SandboxInstance.create({
        name: `codeagent-${randomUUID().slice(0, 13)}`,
        image: options.image ?? "blaxel/py-app:latest",
        memory: options.memoryMb ?? 2048,
        ...(region ? { region } : {}),
        lifecycle: { expirationPolicies: [{ type: "ttl-idle", value: options.idleLifetime ?? "10m", action: "delete" }] },
        ...(options.envs ? { envs: Object.entries(options.envs).map(([name, value]) => ({ name, value })) } : {}),
      })
    : await sdk.SandboxInstance.get(options.name!);

  // The control plane's own delete, for the detached request sent if the host exits first.
  const destroyRequest = {
    url: `${sdk.settings.baseUrl}/sandboxes/${sandbox.metadata.name}`,
    method: "DELETE" as const,
    headers: sdk.settings.headers,
  };

  return {
    ...(owned ? { destroyRequest } : {}),
    async start(argv: readonly string[], output: ProcessOutput, limits: RemoteSandboxLimits): Promise<RemoteProcess> {
      const name = `codeagent-${randomUUID().slice(0, 13)}`;
      await sandbox.process.exec({ name, command: shellCommand(argv, limits.memoryLimitMb), stdin: true, waitForCompletion: false });
      let streamError: unknown;
      const logs = sandbox.process.streamLogs(name, {
        // The stream hands over lines without their newline.
        onStdout: (line) => output.stdout(`${line}\n`),
        onStderr: (line) => output.stderr(`${line}\n`),
        onError: (error) => (streamError = error),
      });
      void logs.wait().then(async () => {
        if (streamError !== undefined) return output.exited(`lost its log stream (${said(streamError)})`);
        const record = await sandbox.process.get(name).catch(() => undefined);
        output.exited(record ? endNote(record) : "ended, and Blaxel has no record of how");
      });
      return {
        write: (text) => sandbox.process.writeStdin(name, text),
        kill: async () => {
          await sandbox.process.kill(name);
        },
      };
    },
    async destroy(): Promise<void> {
      if (owned) await sandbox.delete();
    },
  };
}
