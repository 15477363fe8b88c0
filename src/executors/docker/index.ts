/** `codeagent/docker`: the agent's Python in a locked-down Docker container (needs the `dockerode` package and a running engine). */
export { DockerExecutor, DOCKER_PROMPT_NOTES } from "./docker-executor.js";
export type { DockerExecutorOptions } from "./docker-executor.js";
export { DockerEngineUnavailableError, DockerImageMissingError } from "./docker-errors.js";
export { DEFAULT_DOCKER_IMAGE } from "./container-config.js";
