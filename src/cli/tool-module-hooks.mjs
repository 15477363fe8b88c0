// Module resolution hooks for the tools modules given with `--tools` (registered with
// `module.register`, they run on Node's loader thread). A tools module outside any project that
// has codeagent installed (a file in /tmp, a folder of scripts) imports "codeagent" and "zod":
// when Node finds neither from the module, they are resolved from the CLI's own package, so the
// module gets the very copies the CLI runs. A module whose project has its own copies uses those.

const OWN_PACKAGES = /^(?:codeagent|zod)(?:\/.*)?$/;

/** The URL packages are resolved from when the importing module cannot find them. */
let fallbackParentURL;

export function initialize(data) {
  fallbackParentURL = data?.parentURL;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !OWN_PACKAGES.test(specifier) || fallbackParentURL === undefined) throw error;
    return nextResolve(specifier, { ...context, parentURL: fallbackParentURL });
  }
}
