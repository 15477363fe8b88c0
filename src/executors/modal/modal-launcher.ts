/**
 * The launcher of Modal sandboxes: one Modal sandbox per executor, each interpreter a new process
 * exec'd in it (see `RemoteSandboxLauncher`). Modal cannot renew a lifetime, so nothing is renewed.
 */
import { RemoteSandboxLauncher, type RemoteInterpreter } from "../remote/remote-sandbox-launcher.js";
import { createModalSandbox, type ModalSandboxOptions } from "./modal-sandbox.js";

/** A launcher of processes in one Modal sandbox. */
export function modalLauncher(options: ModalSandboxOptions, interpreter: RemoteInterpreter): RemoteSandboxLauncher {
  return new RemoteSandboxLauncher({
    label: "The Modal sandbox's process",
    interpreter,
    create: (limits) => createModalSandbox(options, limits),
  });
}
