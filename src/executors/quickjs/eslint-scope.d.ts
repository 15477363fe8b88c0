// The part of eslint-scope 8's API that module-transform.ts uses (the package ships no types).
declare module "eslint-scope" {
  interface Identifier {
    name: string;
  }
  interface Reference {
    identifier: Identifier;
  }
  interface Definition {
    type: string;
  }
  interface Variable {
    name: string;
    defs: Definition[];
    references: Reference[];
  }
  interface Scope {
    type: string;
    variables: Variable[];
    childScopes: Scope[];
  }
  interface ScopeManager {
    globalScope: Scope;
  }
  export function analyze(ast: object, options?: { ecmaVersion?: number; sourceType?: "script" | "module"; fallback?: "iteration" }): ScopeManager;
}
