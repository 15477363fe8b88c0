/** `codeagent/docker`: the agent's Python in a locked-down Docker container (needs the `dockerode` package and a running engine). */
export { DockerExecutor } from "./docker-executor.js";
export { DOCKER_PROMPT_NOTES } from "./prompt-notes.js";
export type { DockerExecutorOptions } from "./docker-executor.js";
export { DockerEngineUnavailableError, DockerImageMissingError } from "./docker-errors.js";
export { DEFAULT_DOCKER_IMAGE } from "./docker-options.js";
export type { DockerConnection } from "./docker-options.js";
