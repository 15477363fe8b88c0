/** Reading the JSON bodies of the UI's requests: refused when not JSON, an Approve or Refuse decision. */
import type { Context } from "hono";

/** The answer to a body that does not say it is JSON. */
export function needsJson(c: Context): Response {
  return c.json({ error: "Send JSON with the header Content-Type: application/json." }, 415);
}

/** The body as a JSON object, or undefined when it is not one. */
export async function jsonBody(c: Context): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = await c.req.json();
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A decision on a tool call waiting for approval, with the reason given for a refusal. */
export interface Decision {
  approved: boolean;
  reason?: string;
}

/** The body `{ "approved": boolean, "reason"?: string }`, or the error to answer with (400). */
export async function decisionBody(c: Context): Promise<Decision | { error: string }> {
  const body = await jsonBody(c);
  if (typeof body?.["approved"] !== "boolean") return { error: 'Send { "approved": true } or { "approved": false }.' };
  const reason = typeof body["reason"] === "string" && body["reason"].trim() !== "" ? body["reason"].trim() : undefined;
  return { approved: body["approved"], ...(reason === undefined ? {} : { reason }) };
}
