/**
 * Rendering of agent events: for people in a terminal, for machines as JSON lines, and replay of
 * stored runs as events. The agent loop renders nothing; these do.
 */
export type { EventRenderer } from "./event-renderer.js";
export { createTerminalRenderer } from "./terminal-renderer.js";
export type { TerminalRendererOptions } from "./terminal-renderer.js";
export { shouldUseColor } from "./should-use-color.js";
export type { Spinner, SpinnerFactory } from "./spinner.js";
export { createJsonLinesRenderer } from "./json-lines.js";
export { logsFromObservations, replayEvents } from "./replay.js";
export type { ReplayOptions } from "./replay.js";
