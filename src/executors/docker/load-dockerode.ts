/**
 * Loads dockerode, an optional peer dependency, only when a Docker sandbox is started: importing
 * codeagent never loads it, and a user who never starts one never needs it installed.
 */
import type Dockerode from "dockerode";

import { AgentConfigurationError } from "../../errors.js";

/** The dockerode constructor. */
export type DockerodeClass = typeof Dockerode;

let loading: Promise<DockerodeClass> | undefined;

/** The dockerode constructor, loaded once; `AgentConfigurationError` with the install line when it is not installed. */
export function loadDockerode(): Promise<DockerodeClass> {
  loading ??= importDockerode("dockerode").catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Imports the package at `specifier` (dockerode; another name only in tests of the missing case). */
export async function importDockerode(specifier: string): Promise<DockerodeClass> {
  try {
    const loaded = (await import(specifier)) as { default: DockerodeClass };
    return loaded.default;
  } catch (error) {
    const failure = error as { code?: string; message?: string };
    // Only the package itself being absent is this error; a broken install says what broke.
    const missing = failure.code === "ERR_MODULE_NOT_FOUND" && (failure.message ?? "").includes(`'${specifier}'`);
    if (!missing) throw error;
    throw new AgentConfigurationError(
      "The Docker sandbox talks to the Docker engine through the dockerode package, which is not installed. " +
        "Install it beside codeagent: npm install dockerode",
      { cause: error },
    );
  }
}
