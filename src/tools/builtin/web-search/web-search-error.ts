/**
 * The error a search tool throws when the service did not give results: rate-limited, blocked,
 * unreachable, too slow, or an answer we could not read. The model's code sees its message as a
 * tool error, so the message says what happened and what the tool's owner can do about it.
 */
import { AgentError } from "../../../errors.js";

/** Why a search service gave no results. */
export type SearchFailureReason = "rate-limited" | "blocked" | "refused" | "unreachable" | "timeout" | "http-error" | "bad-response";

/** A search service (web search provider, Wikipedia) failed to answer with results. */
export class WebSearchError extends AgentError {
  override readonly name = "WebSearchError";
  constructor(
    /** The service that failed, as named in the message ("DuckDuckGo", "Brave Search", ...). */
    readonly service: string,
    readonly reason: SearchFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
