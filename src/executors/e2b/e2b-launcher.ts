/**
 * The launcher of E2B sandboxes: one E2B sandbox per executor, each interpreter a new process in
 * it (see `RemoteSandboxLauncher`), the sandbox's E2B lifetime renewed every half of it.
 */
import { createE2BSandbox, DEFAULT_E2B_LIFETIME_MS, type E2BSandboxOptions } from "./e2b-sandbox.js";
import { RemoteSandboxLauncher, type RemoteInterpreter } from "../remote/remote-sandbox-launcher.js";

/** A launcher of processes in one E2B sandbox. */
export function e2bLauncher(options: E2BSandboxOptions, interpreter: RemoteInterpreter): RemoteSandboxLauncher {
  return new RemoteSandboxLauncher({
    label: "The E2B sandbox's process",
    interpreter,
    create: () => createE2BSandbox(options),
    renewEveryMs: (options.lifetimeMs ?? DEFAULT_E2B_LIFETIME_MS) / 2,
  });
}
