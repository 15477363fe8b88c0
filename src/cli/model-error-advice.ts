/**
 * A model error as a command-line user needs it: the library's messages name adapter options
 * (`timeoutMs`, `baseURL`, `supportsStop: false`), which a CLI user cannot set; the CLI's flags
 * and environment variables take their place.
 */
import { ModelCallError } from "../errors.js";

const STREAMING_ADVICE = "This server does not accept streaming options: run with --no-stream.";

/** What to tell a CLI user instead of each adapter option. */
const CLI_ADVICE: Readonly<Record<string, string>> = {
  baseURL: "Check --base-url (an OpenAI-compatible API usually ends in /v1) and that the server is running.",
  modelId: "Check the model id given with --model, and --base-url (it usually ends in /v1).",
  apiKey: "Check the OPENAI_API_KEY environment variable.",
  timeoutMs: "Give each request longer with --request-timeout <ms>, or check that the server is up and not overloaded.",
  maxRetries: "Try again later, or retry more with --max-retries <n>.",
  supportsStop: "If this model does not accept stop sequences, run with --no-stop.",
  streamOutputs: STREAMING_ADVICE,
  streamOptions: STREAMING_ADVICE,
};

// A library option quoted in a message: `timeoutMs`, or with a value, `supportsStop: false`.
const QUOTED_OPTION = /`(\w+)(?::[^`]*)?`/g;
// Sentences end with . ! or ? before the next capitalised (or quoted) word.
const SENTENCE_BREAK = /(?<=[.!?])\s+(?=[A-Z`])/;

/** The CLI flag that would fix `error`, when it is a model error that names one. */
export function cliFlagFor(error: unknown): string | undefined {
  const option = optionOf(error);
  if (option === undefined) return undefined;
  return CLI_ADVICE[option]?.match(/--[a-z-]+|OPENAI_API_KEY/)?.[0];
}

/**
 * `message` (the text of `error`) with each sentence that advises a library option replaced by
 * the CLI's advice; the advice for the error's own `option` is added when no sentence gave it.
 * Errors other than model errors keep their message.
 */
export function adviseForCli(error: unknown, message: string): string {
  if (!(error instanceof ModelCallError) && !(error instanceof Error && error.name === "ModelCallError")) return message;
  const advice = new Set<string>();
  const kept = message.split(SENTENCE_BREAK).filter((sentence) => {
    const named = [...sentence.matchAll(QUOTED_OPTION)].map((match) => CLI_ADVICE[match[1]!]).filter((text) => text !== undefined);
    for (const text of named) advice.add(text);
    return named.length === 0;
  });
  const option = optionOf(error);
  if (option !== undefined && CLI_ADVICE[option] !== undefined) advice.add(CLI_ADVICE[option]);
  // Servers that reject `stream_options` say so in their own words; the adapter may not know.
  if (/stream_options|include_usage/.test(message)) advice.add(STREAMING_ADVICE);
  return [...kept, ...advice].join(" ");
}

function optionOf(error: unknown): string | undefined {
  const option = (error as { option?: unknown } | null | undefined)?.option;
  return typeof option === "string" ? option : undefined;
}
