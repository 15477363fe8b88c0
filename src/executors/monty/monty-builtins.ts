/** Python built-ins Monty 0.0.18 provides (probed): these names never reach the host. */
export const MONTY_BUILTINS: ReadonlySet<string> = new Set(
  "abs all any bin bool bytes chr dict divmod enumerate filter float frozenset getattr hasattr hash hex id int isinstance iter len list map max min next oct open ord pow print property range repr reversed round set setattr slice sorted str sum tuple type zip".split(" "),
);

/** Python built-ins Monty 0.0.18 lacks: calling one reaches the host as an unknown function. */
export const MISSING_BUILTINS: ReadonlySet<string> = new Set(
  "aiter anext ascii breakpoint bytearray callable classmethod compile complex delattr dir eval exec format globals help input issubclass locals memoryview object staticmethod super vars".split(" "),
);
