/** The web UI: a chat with an agent in the browser, each step shown as it happens. */
export { createUiServer, type UiServer, type UiServerOptions, type AgentContext, type CreateAgent, type UiRunQueue } from "./ui-server.js";
export { serveUi, type ServeUiOptions } from "./serve-ui.js";
