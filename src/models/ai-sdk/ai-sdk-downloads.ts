/**
 * Image URLs a provider cannot take. Each language model lists the URLs its API fetches itself
 * (`supportedUrls`, by media type); an image at any other URL must be sent as bytes, so it is
 * downloaded here first, as the AI SDK's own `generateText` does. Google's API, for one, only
 * fetches its own file URLs.
 */
import { ModelCallError } from "../../errors.js";
import type { SpecFilePart, SpecMessage } from "./language-model-spec.js";

/** What a model says about the URLs it takes: media type pattern (`image/*`, `*\/*`) to URL patterns. */
export type SupportedUrls = Record<string, RegExp[]>;

/** The prompt with every image URL the model does not take replaced by the downloaded bytes. */
export async function downloadUnsupportedUrls(prompt: SpecMessage[], supported: SupportedUrls, signal: AbortSignal | undefined): Promise<SpecMessage[]> {
  const downloads = new Map<string, Promise<SpecFilePart>>();
  const resolve = (part: SpecFilePart): Promise<SpecFilePart> | SpecFilePart => {
    if (!(part.data instanceof URL) || isSupported(part.data, part.mediaType, supported)) return part;
    const url = part.data.href;
    let download = downloads.get(url);
    if (download === undefined) downloads.set(url, (download = downloadImage(part.data, part.mediaType, signal)));
    return download;
  };
  return Promise.all(
    prompt.map(async (message): Promise<SpecMessage> => {
      if (message.role !== "user" || !message.content.some((part) => part.type === "file" && part.data instanceof URL)) return message;
      return { ...message, content: await Promise.all(message.content.map((part) => (part.type === "file" ? resolve(part) : part))) };
    }),
  );
}

function isSupported(url: URL, mediaType: string, supported: SupportedUrls): boolean {
  const text = url.href.toLowerCase();
  return Object.entries(supported).some(
    ([pattern, urls]) => mediaTypeMatches(pattern.toLowerCase(), mediaType.toLowerCase()) && urls.some((urlPattern) => urlPattern.test(text)),
  );
}

function mediaTypeMatches(pattern: string, mediaType: string): boolean {
  if (pattern === "*/*" || pattern === mediaType) return true;
  return pattern.endsWith("/*") && mediaType.startsWith(pattern.slice(0, -1));
}

async function downloadImage(url: URL, mediaType: string, signal: AbortSignal | undefined): Promise<SpecFilePart> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ModelCallError(`Could not download the image at ${url.href}, which the model cannot fetch itself: ${(error as Error).message}. Pass the image as bytes instead.`, {
      retryable: true,
      cause: error,
    });
  }
  if (!response.ok) {
    throw new ModelCallError(`Could not download the image at ${url.href}, which the model cannot fetch itself: the server answered ${response.status}. Pass the image as bytes instead.`, {
      retryable: response.status >= 500 || response.status === 429,
    });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const served = response.headers.get("content-type")?.split(";")[0]?.trim();
  return { type: "file", data: bytes, mediaType: mediaType.endsWith("/*") && served ? served : mediaType };
}
