/**
 * Whether an optional peer dependency is installed, checked without loading it: for sandboxes
 * whose package is loaded in another process (Monty's child), so the user hears what to install
 * here, before a child process fails to start there.
 */
import { createRequire } from "node:module";

import { MissingPackageError } from "../errors.js";

const resolvable = createRequire(import.meta.url);

/** Throws {@link MissingPackageError} with `installCommand` unless `packageName` can be resolved from here. */
export function requireInstalled(packageName: string, installCommand: string, purpose: string): void {
  try {
    resolvable.resolve(packageName);
  } catch (error) {
    throw new MissingPackageError(packageName, installCommand, purpose, { cause: error });
  }
}
