/**
 * The one way a sandbox container can be left behind: its host died between creating it and
 * starting it (before the attach that ends it with the host). Such a container never ran and
 * holds only its record on the engine; the next sandbox that starts on the engine removes those
 * older than a minute (younger ones may be another host's, about to start).
 */
import type Dockerode from "dockerode";

import { SANDBOX_LABEL } from "./container-config.js";

/** How old an unstarted sandbox container must be before it counts as left behind. */
export const UNSTARTED_GRACE_MS = 60_000;

/** Removes the sandbox containers (carrying every label in `labels`) created over `olderThanMs` ago and never started; resolves to how many. */
export async function removeUnstartedContainers(docker: Dockerode, olderThanMs = UNSTARTED_GRACE_MS, labels = [`${SANDBOX_LABEL}=1`]): Promise<number> {
  const created = await docker.listContainers({ all: true, filters: { label: labels, status: ["created"] } });
  const cutoffSeconds = (Date.now() - olderThanMs) / 1000;
  const stale = created.filter((container) => container.Created <= cutoffSeconds);
  await Promise.all(stale.map((container) => docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined)));
  return stale.length;
}
