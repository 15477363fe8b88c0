/**
 * Whether a sandbox process keeps the host's event loop alive. An idle sandbox must not (a host
 * that is done should exit), but one the host is waiting for must, or Node would exit mid-request.
 * The process and its three pipes each hold the loop, so all four are switched together.
 */
import type { ChildProcess } from "node:child_process";

/** Makes `child` and its pipes keep the event loop alive (`true`) or let it exit (`false`). */
export function holdEventLoop(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.stdout, child.stderr, child.stdin] as unknown as ({ ref?: () => void; unref?: () => void } | null)[];
  for (const handle of handles) {
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}
