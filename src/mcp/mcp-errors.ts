/**
 * Errors of the MCP client. Each message names the server (its command line or URL) and says what
 * the user can do about it.
 */
import { AgentConfigurationError, AgentError } from "../errors.js";

/** Something went wrong with one MCP server; `server` is its command line or URL. */
export class McpServerError extends AgentError {
  override readonly name: string = "McpServerError";
  constructor(
    readonly server: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An MCP server could not be started, reached, or initialised. */
export class McpConnectionError extends McpServerError {
  override readonly name = "McpConnectionError";
}

/**
 * A call to an MCP tool did not get an answer: the server exited or the connection broke during
 * the call, or the client was already closed. Inside the sandbox this reaches the model's code as
 * an ordinary tool error.
 */
export class McpServerGoneError extends McpServerError {
  override readonly name = "McpServerGoneError";
}

/** Two MCP servers (or an MCP server and another tool) offer a tool under the same name. */
export class McpToolNameClashError extends AgentConfigurationError {
  override readonly name = "McpToolNameClashError";
  constructor(
    readonly toolName: string,
    message: string,
  ) {
    super(message);
  }
}
