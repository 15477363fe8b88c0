/**
 * Loads dockerode, an optional peer dependency, only when a Docker sandbox is started: importing
 * codeagent never loads it, and a user who never starts one never needs it installed (a
 * `MissingPackageError` with the exact install line otherwise).
 */
import type Dockerode from "dockerode";

import { importOptional } from "../import-optional.js";

/** The dockerode constructor. */
export type DockerodeClass = typeof Dockerode;

let loading: Promise<DockerodeClass> | undefined;

/** The dockerode constructor, loaded once. */
export function loadDockerode(): Promise<DockerodeClass> {
  loading ??= importDockerode().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** Imports dockerode from `specifier` (another name only in the test of the missing case). */
export async function importDockerode(specifier = "dockerode"): Promise<DockerodeClass> {
  const loaded = await importOptional<{ default: DockerodeClass }>({ specifier, installCommand: "npm install dockerode", purpose: "The Docker sandbox" });
  return loaded.default;
}
