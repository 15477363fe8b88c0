/**
 * Request parameters that some servers reject although the call works without them: `stop`
 * (OpenAI's reasoning models, some proxies) and `stream_options` (older OpenAI-compatible servers).
 * When a 400 names one that the request carried, the call is sent again without it and the model
 * remembers, so later calls leave it out from the start. What the parameter did is made up for on
 * our side: stop sequences are applied to the reply, and token usage is estimated when a stream
 * brings none.
 */
import { APIError } from "openai";

import { serverMessage } from "./openai/openai-errors.js";

/** A parameter that can be left out of a request when the server rejects it. */
export type DroppableParameter = "stop" | "stream_options";

/** How a server's error message names each parameter. */
const NAMED: Record<DroppableParameter, RegExp> = {
  stream_options: /stream_options|include_usage/i,
  stop: /\bstop\b/i,
};

/** The parameter `error` says the server rejected, when `body` carried it; else `undefined`. */
export function rejectedParameter(error: unknown, body: object): DroppableParameter | undefined {
  // 422 is what validating proxies (FastAPI, pydantic) answer for a field they do not know.
  if (!(error instanceof APIError) || (error.status !== 400 && error.status !== 422)) return undefined;
  const detail = serverMessage(error);
  for (const parameter of Object.keys(NAMED) as DroppableParameter[]) {
    if (parameter in body && NAMED[parameter].test(detail)) return parameter;
  }
  return undefined;
}

/** `body` without the parameters in `dropped`. */
export function withoutParameters<T extends object>(body: T, dropped: ReadonlySet<DroppableParameter>): T {
  if (dropped.size === 0) return body;
  const kept = { ...body } as Record<string, unknown>;
  for (const parameter of dropped) delete kept[parameter];
  return kept as T;
}
