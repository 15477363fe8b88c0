/**
 * Every error codeagent throws is an {@link AgentError}. Subclasses carry typed fields, and each
 * message says what the user can do about it. Errors never log or print: callers decide.
 */

const MARKER = Symbol.for("codeagent.error");

/** Base class of every error thrown by codeagent. */
export class AgentError extends Error {
  readonly [MARKER] = true;
  override readonly name: string = "AgentError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True for any codeagent error, even one thrown by another copy of the package. */
  static isInstance(value: unknown): value is AgentError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** What `error` says: its message, or the thrown value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A tool was called with arguments that do not match its input schema. */
export class ToolArgumentError extends AgentError {
  override readonly name = "ToolArgumentError";
  constructor(
    readonly toolName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A tool's `execute` threw; `message` is the tool's own message, without a host stack trace. */
export class ToolExecutionError extends AgentError {
  override readonly name = "ToolExecutionError";
  constructor(
    readonly toolName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A tool definition itself is invalid (bad name, schema that is not an object, ...). */
export class ToolDefinitionError extends AgentError {
  override readonly name = "ToolDefinitionError";
}

/** The sandbox could not be started, or died in a way that could not be recovered. */
export class SandboxError extends AgentError {
  override readonly name: string = "SandboxError";
}

/** The sandbox was used after `close()`. */
export class SandboxClosedError extends SandboxError {
  override readonly name = "SandboxClosedError";
  constructor() {
    super("This executor is closed. Create a new executor to run more code.");
  }
}

/**
 * A sandbox went over its memory limit and was ended from outside; everything it held is gone.
 * Its message says which limit (the run's error reports it to the code as a MemoryError).
 */
export class SandboxMemoryError extends SandboxError {
  override readonly name = "SandboxMemoryError";
}

/** Why a package could not be put into a sandbox. */
export type SandboxPackageProblem = "bad-lock" | "not-in-lock" | "hash-mismatch" | "unreachable" | "missing-file" | "load-failed";

/**
 * A package asked for with `packages` could not be put into the sandbox: a lock file that cannot be
 * read or is for another Pyodide, a package not in it,
 * a wheel whose sha256 is not the lock file's, an index that cannot be reached, a wheel missing
 * from `packagesDir`, or a wheel the sandbox could not load. The message says what to do.
 */
export class SandboxPackageError extends SandboxError {
  override readonly name = "SandboxPackageError";
  constructor(
    readonly problem: SandboxPackageProblem,
    readonly packageName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A model call failed (after its retries, when it is worth retrying). */
export class ModelCallError extends AgentError {
  override readonly name = "ModelCallError";
  /** HTTP status, when the provider answered. */
  readonly status: number | undefined;
  /** Whether trying again later could succeed (rate limits, server errors, timeouts). */
  readonly retryable: boolean;
  /**
   * The adapter option that would fix this, when one would (`baseURL`, `apiKey`, `supportsStop`,
   * `timeoutMs`, `maxRetries`, ...): the message names it for library users, and a command-line
   * front end can name its own flag instead.
   */
  readonly option: string | undefined;

  constructor(message: string, options: { status?: number; retryable?: boolean; option?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.option = options.option;
  }
}

/** A scripted model was asked for more replies than it was given. */
export class ScriptExhaustedError extends AgentError {
  override readonly name = "ScriptExhaustedError";
}

/** The agent's configuration or a call to it is invalid. */
export class AgentConfigurationError extends AgentError {
  override readonly name: string = "AgentConfigurationError";
}

/** One of the user's helper modules (`modules`) could not be imported in the sandbox. */
export class SandboxModuleError extends AgentConfigurationError {
  override readonly name: string = "SandboxModuleError";
  constructor(
    /** The module that failed. */
    readonly moduleName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An optional package a feature needs (a vendor's SDK) is not installed; the message ends with
 * `installCommand`, the exact line that installs it.
 */
export class MissingPackageError extends AgentConfigurationError {
  override readonly name = "MissingPackageError";
  constructor(
    readonly packageName: string,
    readonly installCommand: string,
    purpose: string,
    options?: { cause?: unknown },
  ) {
    super(`${purpose} needs the ${packageName} package, which is not installed. Install it beside codeagent: ${installCommand}`, options);
  }
}

/** A vendor's credentials are not set; `variables` are the environment variables that would set them. */
export class MissingCredentialsError extends AgentConfigurationError {
  override readonly name = "MissingCredentialsError";
  constructor(
    readonly variables: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** A prompt template refers to a variable that was not given, or cannot be read. */
export class PromptTemplateError extends AgentError {
  override readonly name = "PromptTemplateError";
}
