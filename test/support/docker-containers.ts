/**
 * Helpers for tests of Docker sandbox containers: run a snippet in an exec and collect its lines,
 * count the containers that carry a label (to prove none was left behind), and list the host's
 * addresses a probe from inside tries to reach.
 */
import { execFile } from "node:child_process";
import { networkInterfaces } from "node:os";
import { promisify } from "node:util";

import type { ChannelEnd } from "../../src/executors/channel/sandbox-channel.js";
import type { DockerSandboxContainer } from "../../src/executors/docker/docker-sandbox-container.js";

/** What a snippet printed and how its process ended. */
export interface PythonOutcome {
  lines: string[];
  end: ChannelEnd;
}

/** Runs `code` with `python3 -c` in a new exec of `container`; resolves when the process has ended. */
export async function runPython(container: DockerSandboxContainer, code: string): Promise<PythonOutcome> {
  const channel = await container.exec(["python3", "-u", "-c", code]);
  const lines: string[] = [];
  channel.receive((line) => lines.push(line));
  const end = await channel.ended;
  return { lines, end };
}

/** The ids of the containers, running or not, that carry `label` (`key=value`). */
export async function containersLabelled(label: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)("docker", ["ps", "-a", "-q", "--filter", `label=${label}`]);
  return stdout.split("\n").filter((line) => line.trim() !== "");
}

/** Waits, up to `timeoutMs`, until no container carries `label`; resolves to those still there. */
export async function waitForNoContainers(label: string, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let left = await containersLabelled(label);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = await containersLabelled(label);
  }
  return left;
}

/** 127.0.0.1 and every IPv4 address of this host's interfaces (the Docker bridge's gateway among them). */
export function hostAddresses(): string[] {
  return [
    "127.0.0.1",
    ...Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && entry.family === "IPv4" && !entry.internal)
      .map((entry) => entry!.address),
  ];
}
