// Value conversion for the QuickJS sandbox. `sandboxValues` is not called in Node: the worker
// takes its source text and evaluates it inside QuickJS, before any of the model's code runs, so it
// must be self-contained (no imports, no outer variables).
//
// Everything it needs from the built-ins is captured up front ("primordials"), so code that later
// replaces `Array.prototype.map` or `JSON.stringify` changes its own behaviour, not how results
// and logs are reported. Nothing here reads a property the code's prototypes could answer: lists
// have no prototype, holes and inherited properties are skipped by own-property checks, a `toJSON`
// counts only below Object.prototype, regular expressions run through the captured `exec`, and text
// is joined with `+` (a template literal calls the replaceable `String.prototype.concat` in
// QuickJS). Brand checks use internal-slot getters (`Map.prototype.size` throws on anything that is
// not a real Map), so a forged `Symbol.toStringTag` cannot pass for a Map.

/**
 * Builds the converters used inside the sandbox: `toPlain` (a JSON-like copy of a value, with a
 * readable text form for anything JSON cannot hold) and `format` (Node-style text for logs).
 * `promiseState(value)` is a host function: "" for a non-promise, else its state. `binary`: the
 * result of `sandboxBinary` (bytes and images become their tagged wire form).
 */
export function sandboxValues(promiseState, binary) {
  "use strict";
  const { create, freeze, getOwnPropertyDescriptor, getOwnPropertyNames, getOwnPropertySymbols, getPrototypeOf, keys, setPrototypeOf } = Object;
  const uncurry = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (prototype, name) => uncurry(getOwnPropertyDescriptor(prototype, name).get);
  const isArray = Array.isArray;
  const stringify = JSON.stringify;
  const isFinite = Number.isFinite;
  const StringOf = String;
  const NumberOf = Number;
  const SetConstructor = Set;
  const setAdd = uncurry(Set.prototype.add);
  const setHas = uncurry(Set.prototype.has);
  const setDelete = uncurry(Set.prototype.delete);
  const mapSize = getter(Map.prototype, "size");
  const mapEntries = uncurry(Map.prototype.entries);
  const setSize = getter(Set.prototype, "size");
  const setValues = uncurry(Set.prototype.values);
  const iteratorNext = uncurry(getPrototypeOf(new Map().entries()).next);
  const setIteratorNext = uncurry(getPrototypeOf(new Set().values()).next);
  const dateTime = uncurry(Date.prototype.getTime);
  const dateIso = uncurry(Date.prototype.toISOString);
  const regExpSource = getter(RegExp.prototype, "source");
  const regExpText = uncurry(RegExp.prototype.toString);
  const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
  const typedArrayName = getter(typedArrayPrototype, Symbol.toStringTag);
  const typedArrayLength = getter(typedArrayPrototype, "length");
  const arrayBufferLength = getter(ArrayBuffer.prototype, "byteLength");
  const weakMapHas = uncurry(WeakMap.prototype.has);
  const weakSetHas = uncurry(WeakSet.prototype.has);
  const boxed = [
    ["Number", uncurry(Number.prototype.valueOf), Number.prototype],
    ["String", uncurry(String.prototype.valueOf), String.prototype],
    ["Boolean", uncurry(Boolean.prototype.valueOf), Boolean.prototype],
    ["BigInt", uncurry(BigInt.prototype.valueOf), BigInt.prototype],
    ["Symbol", uncurry(Symbol.prototype.valueOf), Symbol.prototype],
  ];
  const isPrototypeOf = uncurry(Object.prototype.isPrototypeOf);
  const errorPrototype = Error.prototype;
  // The built-in error prototypes and their names as they are now: code may later plant a getter
  // (or write a name) on them, which a later run's report of its own error must not use.
  const builtinErrors = [Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError, AggregateError];
  if (typeof InternalError === "function") builtinErrors[builtinErrors.length] = InternalError;
  for (let index = 0; index < builtinErrors.length; index++) builtinErrors[index] = [builtinErrors[index].prototype, builtinErrors[index].name];
  const objectPrototype = Object.prototype;
  const arrayPrototype = Array.prototype;
  const apply = Reflect.apply;
  const functionText = uncurry(Function.prototype.toString);
  const symbolText = uncurry(Symbol.prototype.toString);
  const bigintText = uncurry(BigInt.prototype.toString);
  const stringSlice = uncurry(String.prototype.slice);
  const regExpExec = uncurry(RegExp.prototype.exec);
  const matches = (pattern, text) => regExpExec(pattern, text) !== null;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const hasOwn = uncurry(Object.prototype.hasOwnProperty);
  const join = uncurry(Array.prototype.join);
  /** An array without a prototype: a setter the code put on Array.prototype cannot catch its items. */
  const list = () => setPrototypeOf([], null);
  const orphan = (value) => setPrototypeOf(value, null);
  const NO_ARGUMENTS = freeze(list());
  /** The value of a data property's descriptor; undefined for an accessor or a missing property. */
  const dataValue = (descriptor) => (descriptor !== undefined && hasOwn(descriptor, "value") ? descriptor.value : undefined);
  const functionKinds = [
    [getPrototypeOf(async function* () {}), "AsyncGeneratorFunction"],
    [getPrototypeOf(async function () {}), "AsyncFunction"],
    [getPrototypeOf(function* () {}), "GeneratorFunction"],
  ];
  const MAX_SAFE = 9007199254740991n;
  const MAX_DEPTH = 64;
  const FORMAT_DEPTH = 2;
  const MAX_ITEMS = 100;
  const MAX_STRING = 10000;
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

  function attempt(read, fallback) {
    try {
      return read();
    } catch {
      return fallback;
    }
  }
  const brand = (check, value) => attempt(() => (check(value), true), false);
  const isError = (value) => attempt(() => isPrototypeOf(errorPrototype, value), false);

  const fail = () => {
    throw 0;
  };
  // [prototype, brand check, text]: the prototype test is cheap and never throws, so ordinary
  // objects skip the brand checks (which throw on a mismatch).
  const builtins = [
    [Map.prototype, mapSize, (value, depth, seen) => ("Map(" + mapSize(value) + ") " + entriesText(iteratorNext, mapEntries(value), depth, seen, true))],
    [Set.prototype, setSize, (value, depth, seen) => ("Set(" + setSize(value) + ") " + entriesText(setIteratorNext, setValues(value), depth, seen, false))],
    [Date.prototype, dateTime, (value) => (isFinite(dateTime(value)) ? dateIso(value) : "Invalid Date")],
    [RegExp.prototype, regExpSource, (value) => regExpText(value)],
    [typedArrayPrototype, typedArrayLength, typedArrayText],
    [ArrayBuffer.prototype, arrayBufferLength, (value) => ("ArrayBuffer { byteLength: " + arrayBufferLength(value) + " }")],
    [WeakMap.prototype, weakMapHas, () => "WeakMap { <items unknown> }"],
    [WeakSet.prototype, weakSetHas, () => "WeakSet { <items unknown> }"],
    [Promise.prototype, (value) => promiseState(value) || fail(), (value) => ("Promise { <" + promiseState(value) + "> }")],
    [errorPrototype, () => true, (value) => errorText(value)],
  ];
  for (let index = 0; index < boxed.length; index++) {
    const [name, unbox, prototype] = boxed[index];
    builtins[builtins.length] = [prototype, unbox, (value, depth, seen) => ("[" + name + ": " + format(unbox(value), depth + 1, seen) + "]")];
  }
  /** The readable text of a built-in object JSON has no form for, or undefined. */
  function builtinText(value, depth, seen) {
    const prototype = getPrototypeOf(value);
    if (prototype === objectPrototype || prototype === arrayPrototype || prototype === null) return undefined;
    for (let index = 0; index < builtins.length; index++) {
      // Index access, not destructuring: the code may have replaced the array iterator.
      const entry = builtins[index];
      if (isPrototypeOf(entry[0], value) && brand(entry[1], value)) return entry[2](value, depth, seen);
    }
    return undefined;
  }

  function typedArrayText(value, depth, seen) {
    const items = list();
    const length = typedArrayLength(value);
    for (let index = 0; index < length && index < MAX_ITEMS; index++) items[index] = format(value[index], depth + 1, seen);
    if (length > MAX_ITEMS) items[items.length] = ("... " + (length - MAX_ITEMS) + " more items");
    return typedArrayName(value) + "(" + length + ") " + (items.length === 0 ? "[]" : ("[ " + join(items, ", ") + " ]"));
  }

  function entriesText(next, iterator, depth, seen, pairs) {
    const items = list();
    for (let step = next(iterator); !step.done; step = next(iterator)) {
      if (items.length === MAX_ITEMS) {
        items[items.length] = "...";
        break;
      }
      items[items.length] = pairs
        ? (format(step.value[0], depth + 1, seen) + " => " + format(step.value[1], depth + 1, seen))
        : format(step.value, depth + 1, seen);
    }
    return items.length === 0 ? "{}" : ("{ " + join(items, ", ") + " }");
  }

  function errorText(error) {
    const name = errorName(error);
    const message = errorMessage(error);
    return message === "" ? name : (name + ": " + message);
  }

  /**
   * A property of an error, read as data only: no getter runs, and a built-in error prototype
   * answers with its name from before the code's first line and nothing else.
   */
  function errorField(error, key) {
    let level = error;
    for (let depth = 0; level !== null && depth < MAX_DEPTH; depth++) {
      for (let index = 0; index < builtinErrors.length; index++) {
        if (builtinErrors[index][0] === level) return key === "name" ? builtinErrors[index][1] : undefined;
      }
      const descriptor = getOwnPropertyDescriptor(level, key);
      if (descriptor !== undefined && hasOwn(descriptor, "value")) return descriptor.value;
      level = getPrototypeOf(level);
    }
    return undefined;
  }

  function errorName(error) {
    const name = attempt(() => errorField(error, "name"), undefined);
    return typeof name === "string" && name !== "" ? name : "Error";
  }

  function errorMessage(error) {
    const message = attempt(() => errorField(error, "message"), undefined);
    if (message === undefined) return "";
    return typeof message === "string" ? message : attempt(() => format(message), "");
  }

  function functionName(value) {
    const name = attempt(() => dataValue(getOwnPropertyDescriptor(value, "name")), undefined);
    return typeof name === "string" && name !== "" ? name : undefined;
  }

  function functionTextForm(value) {
    const name = functionName(value);
    if (attempt(() => matches(/^class\b/, functionText(value)), false)) return name ? ("[class " + name + "]") : "[class (anonymous)]";
    let kind = "Function";
    const prototype = getPrototypeOf(value);
    for (let index = 0; index < functionKinds.length; index++) if (functionKinds[index][0] === prototype) kind = functionKinds[index][1];
    return name ? ("[" + kind + ": " + name + "]") : ("[" + kind + " (anonymous)]");
  }

  /** The escape of a character `quote` must escape (by its code), or undefined. */
  function escapeOf(code) {
    switch (code) {
      case 92:
        return "\\\\";
      case 39:
        return "\\'";
      case 10:
        return "\\n";
      case 13:
        return "\\r";
      case 9:
        return "\\t";
      default:
        return undefined;
    }
  }

  function quote(text) {
    const cut = text.length > MAX_STRING ? stringSlice(text, 0, MAX_STRING) : text;
    const pieces = list();
    let start = 0;
    for (let index = 0; index < cut.length; index++) {
      const escape = escapeOf(charCodeAt(cut, index));
      if (escape === undefined) continue;
      pieces[pieces.length] = stringSlice(cut, start, index);
      pieces[pieces.length] = escape;
      start = index + 1;
    }
    pieces[pieces.length] = stringSlice(cut, start);
    return "'" + join(pieces, "") + "'" + (text.length > MAX_STRING ? ("... " + (text.length - MAX_STRING) + " more characters") : "");
  }

  function keyText(key) {
    if (typeof key === "symbol") return "[" + symbolText(key) + "]";
    return matches(IDENTIFIER, key) ? key : quote(key);
  }

  function constructorName(value) {
    const prototype = getPrototypeOf(value);
    if (prototype === null) return "[Object: null prototype]";
    if (prototype === objectPrototype) return "";
    const name = attempt(() => dataValue(getOwnPropertyDescriptor(prototype, "constructor"))?.name, undefined);
    return typeof name === "string" && name !== "" ? name : "";
  }

  /** Node-style text of any value: what console.log shows for it. */
  function format(value, depth = 0, seen = new SetConstructor()) {
    switch (typeof value) {
      case "string":
        return quote(value);
      case "number":
        return value === 0 && 1 / value < 0 ? "-0" : StringOf(value);
      case "bigint":
        return bigintText(value) + "n";
      case "symbol":
        return symbolText(value);
      case "undefined":
        return "undefined";
      case "boolean":
        return value ? "true" : "false";
      case "function":
        return functionTextForm(value);
    }
    if (value === null) return "null";
    if (binary.isImage(value)) return binary.describeImage(value);
    if (setHas(seen, value)) return "[Circular]";
    setAdd(seen, value);
    try {
      const builtin = builtinText(value, depth, seen);
      if (builtin !== undefined) return builtin;
      const array = isArray(value);
      if (depth > FORMAT_DEPTH) return array ? "[Array]" : ("[" + (constructorName(value) || "Object") + "]");
      return array ? arrayText(value, depth, seen) : objectText(value, depth, seen);
    } finally {
      setDelete(seen, value);
    }
  }

  function arrayText(value, depth, seen) {
    const items = list();
    const length = value.length;
    let holes = 0;
    for (let index = 0; index < length && items.length < MAX_ITEMS; index++) {
      if (!hasOwn(value, index)) {
        holes++;
        continue;
      }
      if (holes > 0) items[items.length] = ("<" + holes + " empty item" + (holes === 1 ? "" : "s") + ">");
      holes = 0;
      items[items.length] = format(value[index], depth + 1, seen);
    }
    if (holes > 0) items[items.length] = ("<" + holes + " empty item" + (holes === 1 ? "" : "s") + ">");
    if (length > MAX_ITEMS && items.length >= MAX_ITEMS) items[items.length] = ("... " + (length - MAX_ITEMS) + " more items");
    return items.length === 0 ? "[]" : ("[ " + join(items, ", ") + " ]");
  }

  function objectText(value, depth, seen) {
    const items = list();
    const names = getOwnPropertyNames(value);
    const symbols = getOwnPropertySymbols(value);
    const all = list();
    for (let index = 0; index < names.length; index++) all[all.length] = names[index];
    for (let index = 0; index < symbols.length; index++) all[all.length] = symbols[index];
    for (let index = 0; index < all.length; index++) {
      const key = all[index];
      const descriptor = getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !descriptor.enumerable) continue;
      if (items.length === MAX_ITEMS) {
        items[items.length] = "...";
        break;
      }
      // Getters are shown, not run: looking at a value must not change it.
      const shown =
        hasOwn(descriptor, "value")
          ? format(descriptor.value, depth + 1, seen)
          : descriptor.get && descriptor.set ? "[Getter/Setter]" : descriptor.get ? "[Getter]" : "[Setter]";
      items[items.length] = (keyText(key) + ": " + shown);
    }
    const prefix = constructorName(value);
    const body = items.length === 0 ? "{}" : ("{ " + join(items, ", ") + " }");
    return prefix === "" ? body : (prefix + " " + body);
  }

  /**
   * A JSON-like copy: objects, arrays, strings, booleans, finite numbers, null. undefined becomes
   * null, integers beyond 2^53 exact decimal strings, bytes and images their tagged wire form,
   * NaN/Infinity and everything else text.
   * Copies have no prototype, so a tampered `toJSON` on a built-in prototype is never called.
   */
  function toPlain(value, depth = 0, seen = new SetConstructor()) {
    switch (typeof value) {
      case "undefined":
        return null;
      case "boolean":
      case "string":
        return value;
      case "number":
        return isFinite(value) ? (value === 0 ? 0 : value) : StringOf(value);
      case "bigint":
        return value >= -MAX_SAFE && value <= MAX_SAFE ? NumberOf(value) : bigintText(value);
      case "symbol":
      case "function":
        return format(value);
    }
    if (value === null) return null;
    if (setHas(seen, value)) return "[Circular]";
    if (depth >= MAX_DEPTH) return format(value, FORMAT_DEPTH + 1);
    const wire = binary.wireForm(value);
    if (wire !== undefined) return wire;
    const builtin = builtinText(value, 0, new SetConstructor());
    if (builtin !== undefined) {
      // Dates read as their ISO text and boxed primitives as their value, as JSON.stringify does.
      for (let index = 0; index < 3; index++) {
        const unbox = boxed[index][1];
        if (brand(unbox, value)) return toPlain(unbox(value), depth, seen);
      }
      return builtin;
    }
    setAdd(seen, value);
    try {
      if (isArray(value)) {
        const copy = list();
        const length = value.length;
        // A hole is null, as in JSON.stringify; reading it would ask Array.prototype.
        for (let index = 0; index < length; index++) copy[index] = hasOwn(value, index) ? toPlain(value[index], depth + 1, seen) : null;
        return copy;
      }
      const toJSON = ownToJson(value);
      if (typeof toJSON === "function") return toPlain(apply(toJSON, value, NO_ARGUMENTS), depth + 1, seen);
      const copy = create(null);
      const names = keys(value);
      for (let index = 0; index < names.length; index++) {
        if (hasOwn(value, names[index])) copy[names[index]] = toPlain(value[names[index]], depth + 1, seen);
      }
      return copy;
    } finally {
      setDelete(seen, value);
    }
  }

  /**
   * The `toJSON` of an object, from the object itself or a prototype below Object.prototype (a
   * class's method): one on Object.prototype would be the code rewriting every value it sends.
   */
  function ownToJson(value) {
    let level = value;
    for (let depth = 0; level !== null && level !== objectPrototype && depth < MAX_DEPTH; depth++) {
      const descriptor = getOwnPropertyDescriptor(level, "toJSON");
      if (descriptor !== undefined) return hasOwn(descriptor, "value") ? descriptor.value : descriptor.get && apply(descriptor.get, value, NO_ARGUMENTS);
      level = getPrototypeOf(level);
    }
    return undefined;
  }

  /**
   * JSON text of `toPlain(value)`; a value whose getters throw becomes a note instead. How long it
   * may be is for the worker to decide.
   */
  function toJson(value) {
    try {
      return stringify(toPlain(value));
    } catch (error) {
      return stringify("<the value could not be converted: " + attempt(() => format(error), "unknown error") + ">");
    }
  }

  return freeze({
    __proto__: null,
    format,
    toPlain,
    toJson,
    revive: binary.revive,
    mayHoldTags: binary.mayHoldTags,
    isError,
    errorText,
    errorName,
    errorMessage,
    errorField,
    attempt,
    list,
    orphan,
  });
}
