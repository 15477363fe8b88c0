/**
 * The launcher of Blaxel sandboxes: one Blaxel sandbox per executor, each interpreter a new process
 * in it (see `RemoteSandboxLauncher`). Blaxel's idle expiration is the backstop; nothing is renewed.
 */
import { RemoteSandboxLauncher, type RemoteInterpreter } from "../remote/remote-sandbox-launcher.js";
import { createBlaxelSandbox, type BlaxelSandboxOptions } from "./blaxel-sandbox.js";

/** A launcher of processes in one Blaxel sandbox. */
export function blaxelLauncher(options: BlaxelSandboxOptions, interpreter: RemoteInterpreter): RemoteSandboxLauncher {
  return new RemoteSandboxLauncher({
    label: "The Blaxel sandbox's process",
    interpreter,
    create: () => createBlaxelSandbox(options),
  });
}
