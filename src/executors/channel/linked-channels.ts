/**
 * Two channels joined in memory: what one side sends, the other receives. For tests of the bridge
 * protocol and of executors without a process, in the spirit of the MCP SDK's in-memory transport.
 */
import { LineChannel } from "./line-channel.js";
import type { SandboxChannel } from "./sandbox-channel.js";

/**
 * A linked pair: `host` is the channel an executor holds, `sandbox` the one a test plays the
 * sandbox with. Closing either ends both. Messages are delivered on a later microtask, as a real
 * stream would, never inside `send`.
 */
export function linkedChannels(): { host: SandboxChannel; sandbox: SandboxChannel } {
  let host!: LineChannel;
  let sandbox!: LineChannel;
  const endBoth = (reason: string) => {
    queueMicrotask(() => {
      host.end(reason);
      sandbox.end(reason);
    });
  };
  host = new LineChannel({ write: (text) => queueMicrotask(() => sandbox.push(text)), kill: () => endBoth("was closed by the host") });
  sandbox = new LineChannel({ write: (text) => queueMicrotask(() => host.push(text)), kill: () => endBoth("closed its side") });
  return { host, sandbox };
}
