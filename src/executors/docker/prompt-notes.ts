/** What the model is told about the Docker sandbox; its own module, so the registry can show it without loading the executor. */
import { remotePythonPromptNotes } from "../remote/remote-python.js";

/** The notes for a container with the network (`network` option set) or without it (the default). */
export function dockerPromptNotes(network = false): string {
  return `${remotePythonPromptNotes("Docker")} ${network ? "" : "It has no network access. "}Files can be written only under /work.`;
}

/** The notes for the default container (no network). */
export const DOCKER_PROMPT_NOTES = dockerPromptNotes();
