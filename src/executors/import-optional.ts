/**
 * Loads a vendor's SDK, an optional peer dependency, only when its sandbox is started: importing
 * codeagent never loads one, and a user who never starts that sandbox never needs it installed.
 * An SDK that is not installed is a {@link MissingPackageError} ending with the exact install line.
 */
import { MissingPackageError } from "../errors.js";

/** An optional package: what to import, and the line that installs it. */
export interface OptionalPackage {
  specifier: string;
  installCommand: string;
  /** Who needs it, as the subject of a sentence: "The E2B sandbox". */
  purpose: string;
}

/** Imports `pkg`; a missing package is a `MissingPackageError`, a broken one its own error. */
export async function importOptional<Module>(pkg: OptionalPackage): Promise<Module> {
  try {
    return (await import(pkg.specifier)) as Module;
  } catch (error) {
    const failure = error as { code?: string; message?: string };
    // Only the package itself being absent is this error; a broken install says what broke.
    const missing = failure.code === "ERR_MODULE_NOT_FOUND" && (failure.message ?? "").includes(`'${pkg.specifier}'`);
    if (!missing) throw error;
    throw new MissingPackageError(pkg.specifier, pkg.installCommand, pkg.purpose, { cause: error });
  }
}
