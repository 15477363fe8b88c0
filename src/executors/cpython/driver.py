# The CPython side of the bridge: serves the host's requests over this process's stdin and stdout
# with the shared Python runtime (runtime.py), in any real CPython >= 3.9 — the machine's own, a
# container's, a vendor's VM. The bootstrap (python-command.ts) reads the first line, which carries
# this file, the runtime's source and the secret token, and runs this file with them.
#
# Threads: the main thread runs requests one at a time (the model's code among them); a reader
# thread reads stdin, hands requests and tool results to the main thread, and acts on interrupts at
# once. Only lines this file writes, each starting with the token, reach the host: the model's
# prints go into the run's logs, and anything written to file descriptor 1 by native code is sent
# to stderr, which the host keeps only to explain a crash.

import io
import itertools
import os
import queue
import signal
import sys
import threading
import time
import types
from json import dumps as _dumps, loads as _loads

_VERSION_NEEDED = (3, 9)


def _end_with_host():
    """On Linux, the kernel kills this process when the host dies, even while the code holds the
    interpreter in a native loop that would keep the stdin reader from noticing."""
    if not sys.platform.startswith("linux"):
        return
    host = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        return
    if os.getppid() != host:  # the host died before the request took effect
        os._exit(0)


_end_with_host()


def _leads_group():
    try:
        return os.getpgid(0) == os.getpid()
    except OSError:
        return False


def _end_group():
    """Ends every process the code started, when this process leads their group (a local sandbox)."""
    if _leads_group():
        os.killpg(os.getpid(), signal.SIGKILL)


def _reap_group_after_death():
    """A process that outlives this one by a kill it cannot see (its host's SIGKILL ends it through
    the kernel) ends the group then: it waits on a pipe only this process holds open."""
    if not _leads_group() or not hasattr(os, "fork"):
        return
    watched, held = os.pipe()
    if os.fork() == 0:
        try:
            # An interrupt sent to the group is for the interpreter, not for this watcher.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            os.close(held)
            os.read(watched, 1)
        finally:
            os.killpg(os.getpgid(0), signal.SIGKILL)
            os._exit(0)
    os.close(watched)
    _held_pipes.append(held)


_held_pipes = []
_reap_group_after_death()

_protocol_out = os.dup(1)
os.dup2(2, 1)
_protocol_in = sys.stdin.buffer
sys.stdin = io.StringIO("")
_write_lock = threading.Lock()
# The runtime replaces time.sleep with one the host can interrupt; threads use the real one.
_real_sleep = time.sleep


def _send(message):
    _send_text(_dumps(message, ensure_ascii=False))


def _send_text(text):
    """Sends one message given as JSON text (a result or a tool call the runtime already wrote)."""
    data = (_TOKEN + text + "\n").encode("utf-8", "surrogatepass")
    # An interrupt must not land in the middle of a line: the host would read half a message.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with _write_lock:
            view = memoryview(data)
            while view:
                written = os.write(_protocol_out, view)
                view = view[written:]
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


if sys.version_info < _VERSION_NEEDED:
    _send({"type": "fatal", "id": 0, "message": f"needs Python 3.9 or newer; this is {sys.version.split()[0]}"})
    sys.exit(70)


class _Logs(io.TextIOBase):
    """The run's stdout and stderr, in the order written, cut at the output limit."""

    def __init__(self):
        self.limit = 50_000
        self.parts = []
        self.size = 0
        self.dropped = 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if _requests.running is None:
            # Between runs (a thread the code left behind, printing): no run's logs to put it in,
            # and the next run's must not start with it.
            return len(text)
        room = self.limit - self.size
        if len(text) <= room:
            self.parts.append(text)
            self.size += len(text)
        else:
            if room > 0:
                self.parts.append(text[:room])
                self.size += room
            self.dropped += len(text) - max(room, 0)
        return len(text)

    def take(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[output truncated: {self.dropped} more characters were printed than the {self.limit}-character limit]\n"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


_logs = _Logs()
sys.stdout = sys.stderr = _logs

_runtime = types.ModuleType("_codeagent_runtime")
exec(compile(_RUNTIME_SOURCE, "_codeagent_runtime.py", "exec"), _runtime.__dict__)
# Real CPython keeps Python-to-Python calls off the C stack from 3.11 on, but C recursion (repr of
# nested lists, say) still uses it: a limit the machine's stack holds.
_runtime._MAX_RECURSION_LIMIT = 50_000


class _Requests:
    """What the reader thread hands the main thread, and the interrupt state they share."""

    def __init__(self):
        self.condition = threading.Condition()
        self.queue = []
        self.tool_calls = {}  # call id -> where its answer goes
        self.running = None  # the id of the run in progress
        self.interrupted = False
        self.closed = False


_requests = _Requests()
_main_thread = threading.main_thread().ident


def _on_interrupt_signal(signum, frame):
    # Only the run the host asked to stop (its interrupt message names it) is interrupted: a signal
    # that lands between requests, or before the message, is a wake-up and nothing more.
    if _requests.running is not None and _requests.interrupted:
        raise KeyboardInterrupt()


signal.signal(signal.SIGINT, _on_interrupt_signal)


def _read_requests():
    while True:
        line = _protocol_in.readline()
        if not line:
            break
        try:
            message = _loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        kind = message.get("type")
        with _requests.condition:
            if kind == "interrupt":
                if message.get("run") is not None and message.get("run") == _requests.running:
                    _requests.interrupted = True
                    _requests.condition.notify_all()
                    signal.pthread_kill(_main_thread, signal.SIGINT)
                continue
            if kind == "tool-result":
                answer = _requests.tool_calls.pop(message.get("id"), None)
                if answer is not None:
                    answer.put(message.get("reply"))
            else:
                _requests.queue.append(message)
            _requests.condition.notify_all()
    # The host is gone: nothing is left to serve, and nothing the code started may stay behind.
    _end_group()
    os._exit(0)


_call_ids = itertools.count(1)


def _call_tool(request_json):
    call_id = next(_call_ids)  # atomic: threads of the code may call tools at once
    answer = queue.SimpleQueue()
    with _requests.condition:
        _requests.tool_calls[call_id] = answer
    # The runtime wrote the request as JSON text: it travels as it is.
    try:
        _send_text('{"type":"tool-call","id":%d,"request":%s}' % (call_id, request_json))
        return answer.get()
    finally:  # answered, or given up on by an interrupt: a late answer has nowhere to go
        with _requests.condition:
            _requests.tool_calls.pop(call_id, None)


def _sleep(seconds):
    # The host interrupts the run, which is the main thread's: a thread the code started sleeps on.
    if threading.get_ident() != _main_thread:
        _real_sleep(seconds)
        return False
    with _requests.condition:
        return _requests.condition.wait_for(lambda: _requests.interrupted, timeout=seconds)


def _host_interrupted():
    return _requests.interrupted


def _handle(message):
    kind = message.get("type")
    request_id = message.get("id")
    if kind == "run":
        with _requests.condition:
            _requests.interrupted = False
            _requests.running = request_id
        try:
            result = _runtime.run(message.get("code", ""), message.get("timeLimitNote", ""))
        finally:
            # From here until the result is sent, an interrupt for this run waits: raised now, it
            # would lose the result.
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            with _requests.condition:
                _requests.running = None
                _requests.interrupted = False
        try:
            _send_text('{"type":"result","id":%d,"logs":%s,"result":%s}' % (request_id, _dumps(_logs.take(), ensure_ascii=False), result))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return
    if kind == "configure":
        if message.get("maxOutputChars"):
            _logs.limit = int(message["maxOutputChars"])
        options = {"authorizedImports": _loads(message.get("authorizedImportsJson") or "[]")}
        if message.get("maxValueChars"):
            options["maxValueChars"] = int(message["maxValueChars"])
        _runtime.configure(_dumps(options))
        if message.get("toolsJson"):
            _runtime.install_tools(message["toolsJson"])
    elif kind == "tools":
        _runtime.install_tools(message.get("toolsJson") or "[]")
    elif kind == "variables":
        _runtime.send_variables(message.get("json") or "{}")
    elif kind == "modules":
        _runtime.install_modules(message.get("modulesJson") or "[]")
    else:
        _send({"type": "error", "id": request_id, "message": f"unknown request {kind!r}"})
        return
    _logs.take()
    _send({"type": "done", "id": request_id})


def _serve():
    _runtime.setup(_call_tool, _sleep, _host_interrupted)
    threading.Thread(target=_read_requests, name="codeagent-requests", daemon=True).start()
    _send({"type": "ready", "version": sys.version.split()[0]})
    while True:
        with _requests.condition:
            while not _requests.queue:
                _requests.condition.wait()
            message = _requests.queue.pop(0)
        try:
            _handle(message)
        except KeyboardInterrupt:
            # An interrupt meant for a run that ended as it arrived: that run's result is sent.
            continue
        except BaseException as error:
            _send({"type": "error", "id": message.get("id"), "message": f"{type(error).__name__}: {error}"[:20_000]})


_serve()
