# The Python half of the sandbox: runs the model's code in a persistent namespace, gates imports,
# turns values into JSON for the host and exposes host tools as plain synchronous functions.
# The JavaScript half (sandbox.mjs) calls `setup` once, then `run`, `install_tools`, ... per request.
# Everything that crosses to the host is a JSON string: the bridge hands no live objects either way.

import ast
import builtins
import linecache
import sys
import time
import types
from binascii import a2b_base64 as _from_base64, b2a_base64 as _to_base64
from json import dumps as _json_dumps, loads as _json_loads
from importlib.machinery import ModuleSpec as _ModuleSpec
from importlib.util import find_spec as _find_spec
from math import isfinite as _isfinite

# The streams the run's logs come from, kept before any code runs: what the code wrote without a
# newline (print(..., end="")) waits in their buffers and must be flushed into the run's logs.
_STREAMS = (sys.stdout, sys.stderr)

_SAFE_INTEGER = 2**53
_MAX_DEPTH = 64
# An error message longer than this is cut: a huge exception text must not travel whole.
_MAX_ERROR_CHARS = 20_000
_MAX_TYPE_CHARS = 200
# The deepest recursion the sandbox's stack holds (see deno-command.ts): a higher limit would let a
# deep recursion overflow the stack, which ends the interpreter, instead of raising RecursionError.
_MAX_RECURSION_LIMIT = 1_000_000
_real_setrecursionlimit = sys.setrecursionlimit
_PLATFORM_MODULES = ("js", "pyodide_js", "pyodide", "_pyodide", "_pyodide_core", "pyodide_http", "micropip")


class _FinalAnswerRaised(BaseException):
    """Raised by final_answer(); a BaseException so that `except Exception:` lets it through."""


class _Interrupted(BaseException):
    """The host ended a tool call because the run ran out of time or was aborted."""


class _State:
    def __init__(self):
        self.bridge = None
        self.sleep = None
        self.host_interrupted = None
        self.max_value_chars = 1_000_000
        self.allowed = set()
        self.allow_all = False
        self.namespace = {}
        self.tools = {}
        self.final = None
        self.run_count = 0
        self.module_views = {}
        self.user_modules = set()


_state = _State()
_real_import = builtins.__import__


# ---------------------------------------------------------------- values to JSON


# Bytes and images cross as tagged JSON objects (wire-values.ts on the host): bytes as
# {"__bytes__": base64}, an image as {"__image__": base64, "mediaType": ...}. In Python an image is
# a dict with exactly the keys "type" ("image"), "media_type" and "data" (bytes); the ones that come
# from the host are an Image, that dict with `.data`, `.media_type` and a short repr.
_BYTES_TAG = "__bytes__"
_IMAGE_TAG = "__image__"


class Image(dict):
    """An image: {'type': 'image', 'media_type': 'image/png', 'data': b'...'}, shown in short."""

    __slots__ = ()

    @property
    def data(self):
        return self["data"]

    @property
    def media_type(self):
        return self["media_type"]

    def __repr__(self):
        try:
            return f"<image {self['media_type']}, {len(self['data']):,} bytes>"
        except Exception:  # changed by the code into something else: shown as the dict it is
            return dict.__repr__(self)

    __str__ = __repr__


def _base64(data):
    return _to_base64(data, newline=False).decode("ascii")


def _is_image(value):
    return (
        type(value) in (dict, Image)
        and len(value) == 3
        and value.get("type") == "image"
        and isinstance(value.get("media_type"), str)
        and isinstance(value.get("data"), (bytes, bytearray))
    )


def _from_wire(mapping):
    """json.loads' object_hook: tagged objects from the host become bytes and image dicts."""
    keys = mapping.keys()
    if keys == {_BYTES_TAG}:
        return _from_base64(mapping[_BYTES_TAG], strict_mode=True)
    if keys == {_IMAGE_TAG, "mediaType"}:
        return Image(type="image", media_type=mapping["mediaType"], data=_from_base64(mapping[_IMAGE_TAG], strict_mode=True))
    return mapping


def from_host(text):
    """JSON text from the host, with its bytes and images."""
    return _json_loads(text, object_hook=_from_wire)


def to_plain(value, depth=0, seen=None):
    """Converts a Python value into a JSON-compatible one; what has no JSON form becomes its repr."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_BYTES_TAG: _base64(value)}
    if _is_image(value):
        return {_IMAGE_TAG: _base64(value["data"]), "mediaType": value["media_type"]}
    if isinstance(value, int):
        return value if -_SAFE_INTEGER <= value <= _SAFE_INTEGER else _int_text(value)
    if isinstance(value, float):
        return value if _isfinite(value) else repr(value)
    if depth >= _MAX_DEPTH:
        return _safe_repr(value)
    if _is_numpy_value(value):  # numpy's scalars and arrays: their Python values, not a repr
        return to_plain(value.tolist(), depth + 1, seen)
    if seen is None:
        seen = set()
    if isinstance(value, (dict, list, tuple)):
        if id(value) in seen:
            return _safe_repr(value)
        seen.add(id(value))
        try:
            if isinstance(value, dict):
                return {_plain_key(key): to_plain(item, depth + 1, seen) for key, item in value.items()}
            return [to_plain(item, depth + 1, seen) for item in value]
        finally:
            seen.discard(id(value))
    return _safe_repr(value)


def _is_numpy_value(value):
    kind = type(value)
    return getattr(kind, "__module__", "") == "numpy" and kind.__name__ != "dtype" and callable(getattr(kind, "tolist", None))


def _int_text(value):
    try:
        return repr(value)
    except ValueError:  # more digits than Python converts to text by default
        return f"<int with about {int(value.bit_length() * 0.30103) + 1} digits>"


def _plain_or_repr(value):
    """to_plain that cannot fail: hostile __iter__, items() or __repr__ fall back to a safe repr."""
    try:
        return to_plain(value)
    except BaseException:
        return _safe_repr(value)


def _safe_str(value):
    try:
        text = str(value)
        return text if isinstance(text, str) else _safe_repr(value)
    except BaseException:
        return _safe_repr(value)


def _plain_key(key):
    return key if isinstance(key, str) else str(to_plain(key))


def _safe_repr(value):
    try:
        return repr(value)
    except BaseException as error:  # a hostile __repr__ must not break the run
        return f"<unrepresentable {type(value).__name__}: {type(error).__name__}>"


def to_json(value):
    return _json_dumps(to_plain(value), ensure_ascii=False)


def _within_value_limit(plain, what, advice):
    """Raises ValueError when `plain` (a to_plain result) is more JSON than may leave the sandbox."""
    size = len(_json_dumps(plain, ensure_ascii=False))
    limit = _state.max_value_chars
    if size > limit:
        raise ValueError(f"{what} is {size:,} characters as JSON, over the sandbox's limit of {limit:,} (maxValueChars). {advice}")
    return plain


# ---------------------------------------------------------------- imports


def _is_authorized(name):
    if name.split(".")[0] in _state.user_modules:
        return True
    if _state.allow_all:
        return name.split(".")[0] not in _PLATFORM_MODULES
    parts = name.split(".")
    return any(".".join(parts[: index + 1]) in _state.allowed for index in range(len(parts)))


def _refuse_import(name):
    allowed = ", ".join(sorted(_state.allowed)) or "none"
    if _state.allow_all:
        message = f"Import of '{name}' is not allowed: it belongs to the sandbox's platform."
    else:
        message = (
            f"Import of '{name}' is not allowed. Authorized imports: {allowed}. "
            "Solve the task with these, or ask the user to add the module to authorizedImports."
        )
    error = ImportError(message)
    error.name = name
    return error


class _ModuleView(types.ModuleType):
    """What the model's code gets for an import: the module's attributes, but any module reached
    through it (`random._os`, `json.decoder.sys`) must be authorized in its own right."""

    def __init__(self, module):
        super().__init__(module.__name__, getattr(module, "__doc__", None))
        object.__setattr__(self, "_ModuleView__module", module)

    def __getattr__(self, attribute):
        value = getattr(self.__module, attribute)
        if isinstance(value, types.ModuleType):
            return _view_of(value)
        return value

    def __setattr__(self, attribute, value):
        # Assignments stay on the view: the model's code cannot patch the real module, which the
        # runtime and the standard library go on using.
        object.__setattr__(self, attribute, value)

    def __dir__(self):
        return dir(self.__module)

    def __repr__(self):
        return f"<module '{self.__module.__name__}'>"


def _view_of(module):
    name = module.__name__
    if not _is_authorized(name):
        raise _refuse_import(name)
    view = _state.module_views.get(name)
    if view is None:
        view = _state.module_views[name] = _ModuleView(module)
    return view


def _gated_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level != 0:
        raise ImportError("Relative imports are not available in the sandbox.")
    if not _is_authorized(name):
        raise _refuse_import(name)
    module = _real_import(name, globals, locals, fromlist, level)
    return _view_of(module)


# ---------------------------------------------------------------- tools and final answer


_SMALLER_ANSWER = "Give a shorter answer: a summary, or the part that was asked for."


def final_answer(answer):
    """Ends the run with `answer` as its result."""
    plain = _within_value_limit(_plain_or_repr(answer), "The final answer", _SMALLER_ANSWER)
    _state.final = (plain,)
    raise _FinalAnswerRaised()


def _call_tool(name, args, kwargs):
    request = _json_dumps(
        {"name": name, "args": [to_plain(item) for item in args], "kwargs": {key: to_plain(item) for key, item in kwargs.items()}},
        ensure_ascii=False,
    )
    if len(request) > _state.max_value_chars:
        raise ValueError(
            f"The arguments of {name}() are {len(request):,} characters as JSON, over the sandbox's limit of "
            f"{_state.max_value_chars:,} (maxValueChars). Pass less data per call (split it into several calls)."
        )
    try:
        reply = from_host(_state.bridge(request))
    except ValueError as unreadable:  # a malformed bytes or image tag in the tool's result
        raise RuntimeError(f"{name}() returned a value that cannot be read: {unreadable}") from None
    if reply.get("ok"):
        return reply.get("value")
    error = reply.get("error") or {}
    kind = error.get("type")
    message = error.get("message", "the tool failed")
    if kind == "interrupted":
        raise _Interrupted(message)
    if kind == "ToolArgumentError":
        raise TypeError(message)
    if kind == "ValueTooLarge":
        raise ValueError(message)
    raise RuntimeError(f"{name}() failed: {message}")


def _make_tool(name, description):
    def call(*args, **kwargs):
        return _call_tool(name, args, kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = description
    return call


def install_tools(specification):
    _state.tools = {item["name"]: _make_tool(item["name"], item.get("description", "")) for item in _json_loads(specification)}
    _state.namespace.update(_state.tools)


# ---------------------------------------------------------------- the user's own modules


class _SourceLoader:
    """Runs one of the user's module files from the source the host sent (nothing is written to
    disk); its lines show in tracebacks under the file's name."""

    def __init__(self, filename, source):
        self.filename = filename
        self.source = source

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__file__ = self.filename
        linecache.cache[self.filename] = (len(self.source), None, self.source.splitlines(True), self.filename)
        exec(compile(self.source, self.filename, "exec"), module.__dict__)


class _SourceFinder:
    """Finds the user's modules (and their packages' submodules) among the sources the host sent."""

    def __init__(self, files):
        self.files = files

    def find_spec(self, fullname, path=None, target=None):
        entry = self.files.get(fullname)
        if entry is None:
            return None
        filename, source, is_package = entry
        spec = _ModuleSpec(fullname, _SourceLoader(filename, source), origin=filename, is_package=is_package)
        if is_package:
            spec.submodule_search_locations = []
        return spec


def _module_error_text(error, filenames):
    """What went wrong importing a module, and where in the user's files: one line."""
    where = ""
    if isinstance(error, SyntaxError) and error.filename in filenames:
        where = f"{error.filename}, line {error.lineno}: "
    else:
        frame = error.__traceback__
        while frame is not None:
            if frame.tb_frame.f_code.co_filename in filenames:
                where = f"{frame.tb_frame.f_code.co_filename}, line {frame.tb_lineno}: "
            frame = frame.tb_next
    text = f"{where}{type(error).__name__}: {error}"
    return text if len(text) <= _MAX_ERROR_CHARS else text[:_MAX_ERROR_CHARS] + "..."


def install_modules(payload):
    """Makes the user's modules importable (and authorized), and imports each now, so a module that
    fails does so when the sandbox starts, not in the middle of a task."""
    modules = _json_loads(payload)
    files = {}
    for module in modules:
        name = module["name"]
        if name in sys.modules or name in getattr(sys, "stdlib_module_names", ()) or _find_spec(name) is not None:
            raise ImportError(f"{name}: the sandbox already has a module named '{name}'; give yours another name.")
        for item in module["files"]:
            # "utils.py" is module utils; "pkg/__init__.py" is package pkg, "pkg/sub.py" its pkg.sub.
            dotted = item["path"][: -len(".py")].replace("/", ".")
            is_package = dotted.endswith(".__init__")
            if is_package:
                dotted = dotted[: -len(".__init__")]
            files[dotted] = (item["path"], item["source"], is_package)
    sys.meta_path.insert(0, _SourceFinder(files))
    _state.user_modules.update(module["name"] for module in modules)
    filenames = {entry[0] for entry in files.values()}
    for module in modules:
        try:
            _real_import(module["name"])
        except BaseException as error:
            raise ImportError(f"{module['name']}: {_module_error_text(error, filenames)}") from None


def send_variables(payload):
    _state.namespace.update(from_host(payload))


# ---------------------------------------------------------------- running code


def _sandbox_builtins():
    sandbox_builtins = dict(builtins.__dict__)
    sandbox_builtins["__import__"] = _gated_import
    for name in ("breakpoint", "exit", "quit", "help", "copyright", "credits", "license"):
        sandbox_builtins.pop(name, None)
    return sandbox_builtins


def _fresh_namespace():
    namespace = {"__name__": "__main__"}
    _restore_fixtures(namespace)
    return namespace


def _restore_fixtures(namespace):
    # Every run starts with the gated builtins, the tools and final_answer in place, whatever the
    # previous run did to them (`del __builtins__` would otherwise give exec the real builtins).
    namespace["__builtins__"] = _sandbox_builtins()
    namespace.update(_state.tools)
    namespace["final_answer"] = final_answer


def reset():
    _state.namespace = _fresh_namespace()


def configure(payload):
    options = _json_loads(payload)
    imports = options.get("authorizedImports") or []
    _state.allow_all = "*" in imports
    _state.allowed = {name for name in imports if name != "*"}
    _state.module_views = {}
    if options.get("maxValueChars"):
        _state.max_value_chars = int(options["maxValueChars"])


def _source_line(filename, line_number):
    line = linecache.getline(filename, line_number).strip()
    return line


def _model_frames(traceback_object, filename):
    frames = []
    while traceback_object is not None:
        code = traceback_object.tb_frame.f_code
        if code.co_filename.startswith("<code"):
            frames.append((code.co_filename, traceback_object.tb_lineno, code.co_name))
        traceback_object = traceback_object.tb_next
    return frames


def _describe_error(error, filename):
    message = _safe_str(error) or type(error).__name__
    frames = _model_frames(error.__traceback__, filename)
    if not frames:
        return message
    lines = [message, "Traceback (most recent call last), in your code:"]
    # Deep recursion leaves thousands of identical frames: the outermost and innermost tell the story.
    if len(frames) > 2 * _TRACEBACK_ENDS:
        omitted = len(frames) - 2 * _TRACEBACK_ENDS
        frames = frames[:_TRACEBACK_ENDS] + [(None, omitted, None)] + frames[-_TRACEBACK_ENDS:]
    for frame_file, line_number, function in frames:
        if frame_file is None:
            lines.append(f"  ... {line_number:,} more calls ...")
            continue
        where = "at top level" if function == "<module>" else f"in {function}()"
        lines.append(f"  line {line_number} {where}: {_source_line(frame_file, line_number)}")
    return "\n".join(lines)


_TRACEBACK_ENDS = 5


def _describe_syntax_error(error):
    line = (error.text or "").rstrip("\n")
    message = f"{error.msg} (line {error.lineno})"
    if line:
        pointer = " " * max((error.offset or 1) - 1 - (len(line) - len(line.lstrip())), 0) + "^"
        message += f"\n    {line.strip()}\n    {pointer}"
    return message


def _result(output=None, final=False, error=None):
    if error is not None and len(error["type"]) > _MAX_TYPE_CHARS:  # a class named by the code can be any length
        error = {"type": error["type"][:_MAX_TYPE_CHARS] + "...", "message": error["message"]}
    if error is not None and len(error["message"]) > _MAX_ERROR_CHARS:
        cut = len(error["message"]) - _MAX_ERROR_CHARS
        error = {"type": error["type"], "message": error["message"][:_MAX_ERROR_CHARS] + f"... [{cut:,} more characters cut]"}
    return _json_dumps({"output": output, "isFinalAnswer": final, "error": error}, ensure_ascii=False)


def run(code, time_limit_note):
    try:
        return _run(code, time_limit_note)
    except KeyboardInterrupt:
        # The host's interrupt landed after the code finished, while its result was being built.
        return _result(error={"type": "TimeoutError", "message": time_limit_note})
    finally:
        _flush_streams()


def _flush_streams():
    for stream in _STREAMS:
        try:
            stream.flush()
        except BaseException:  # a late interrupt, or a stream the code broke: the logs are then cut
            pass


def _run(code, time_limit_note):
    _state.run_count += 1
    filename = f"<code {_state.run_count}>"
    try:
        tree = ast.parse(code, filename=filename, mode="exec")
    except SyntaxError as error:
        return _result(error={"type": type(error).__name__, "message": _describe_syntax_error(error)})
    except (ValueError, MemoryError, RecursionError) as error:
        return _result(error={"type": type(error).__name__, "message": str(error)})
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    last_expression = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last_expression = ast.Expression(tree.body.pop().value)
    namespace = _state.namespace
    _restore_fixtures(namespace)
    _state.final = None
    output, error = None, None
    try:
        exec(compile(tree, filename, "exec"), namespace)
        if last_expression is not None:
            output = eval(compile(last_expression, filename, "eval"), namespace)
    except _FinalAnswerRaised:
        pass
    except _Interrupted as interruption:
        error = _interruption_error(interruption, filename, time_limit_note)
    except KeyboardInterrupt as interruption:
        if _state.host_interrupted():
            error = _interruption_error(interruption, filename, time_limit_note)
        else:  # raised by the code itself
            error = {"type": "KeyboardInterrupt", "message": _describe_error(interruption, filename)}
    except SystemExit as exit_request:
        error = {"type": "SystemExit", "message": f"The code called exit({exit_request.code!r}). Call final_answer(...) to finish instead."}
    except BaseException as raised:
        error = {"type": type(raised).__name__, "message": _describe_error(raised, filename)}
    if _state.final is not None:
        return _result(output=_state.final[0], final=True)
    if error is not None:
        return _result(error=error)
    try:
        return _result(output=_within_value_limit(_plain_or_repr(output), "The value of the last line", _SMALLER_RESULT))
    except ValueError as too_large:
        return _result(error={"type": "ValueError", "message": str(too_large)})


_SMALLER_RESULT = "End the code with a smaller value (a summary, a slice or a count), or print what you need to see."


def _interruption_error(interruption, filename, time_limit_note):
    """The host stopped the run (time limit or abort): say where, and that the state is kept."""
    error = {"type": "TimeoutError", "message": _describe_error(interruption, filename) if str(interruption) else time_limit_note}
    frames = _model_frames(interruption.__traceback__, filename)
    if frames and not str(interruption):
        error["message"] = f"{time_limit_note} It was stopped at line {frames[-1][1]}: {_source_line(frames[-1][0], frames[-1][1])}"
    return error


def _interruptible_sleep(seconds):
    try:
        if isinstance(seconds, (str, bytes, bytearray)):
            raise TypeError()
        seconds = float(seconds)  # what time.sleep takes: any real number (a Fraction, a Decimal)
    except (TypeError, ValueError):
        raise TypeError(f"sleep() argument must be a number, not {type(seconds).__name__}") from None
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    if _state.sleep(seconds):
        raise KeyboardInterrupt()


def _capped_setrecursionlimit(limit):
    """sys.setrecursionlimit, capped at what the sandbox's stack holds."""
    _real_setrecursionlimit(min(limit, _MAX_RECURSION_LIMIT) if isinstance(limit, int) else limit)


def setup(bridge, sleep, host_interrupted):
    _state.bridge = bridge
    _state.sleep = sleep
    _state.host_interrupted = host_interrupted
    time.sleep = _interruptible_sleep
    sys.setrecursionlimit = _capped_setrecursionlimit
    for name in _PLATFORM_MODULES[:2]:
        sys.modules.pop(name, None)
    reset()
