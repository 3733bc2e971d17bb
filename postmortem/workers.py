"""Worker processes for the work that is per file (parse, validate, render), as black
formats files in a process pool.

Each worker holds a state between tasks, made once by ``init(*args)`` in the worker: a
render's workers keep the incidents they parsed, so that the reports are rendered where
their files were read. :class:`Local` runs the same tasks in this process (``--jobs 1``,
or too few files to pay for starting workers), so both ways share every line of the work.

Work whose size is not known ahead (the file versions git's log lists as it goes) goes
through a :class:`Stream`: done here until there is enough of it, then by workers.

Ctrl-C: workers ignore SIGINT; the parent, interrupted, ends them with SIGTERM, which
unwinds each (``Terminated``) so that a report being written removes its temp file; it
waits for them before the interruption goes on to the command line (exit 130).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any, Generic, NoReturn, TypeVar

from postmortem.errors import PostmortemError, Terminated, stops_kept

A = TypeVar("A")
R = TypeVar("R")
T = TypeVar("T")

# A worker pays for itself from this many files of the cheapest kind (small incidents: the
# fewer the bytes a file has, the more files a worker needs). Measured with
# `benchmarks/bench_parallel.py --threshold`: on 2 cores with fork, `check` of small
# incidents with 2 workers breaks even with 1 process at about 100 files and `render` at
# about 50 (CPU time on idle cores). A spawned worker (macOS, Windows) imports the package
# again, ~0.5 s of CPU: forced on Linux, 2 spawned workers were not faster up to 6,400
# small files, hence a high floor (to be measured where spawn is the default).
FILES_PER_WORKER = {"fork": 100, "spawn": 3000}
_SHUTDOWN_SECONDS = 10.0


def start_method() -> str:
    """fork where it is safe and cheap (Linux: the workers start with everything imported);
    spawn elsewhere (macOS's system libraries are not fork-safe, Windows has no fork)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, or a container's limit where
    Python knows it), not the machine's count."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        return counted() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_count(jobs: int | None, files: int) -> int:
    """How many workers ``files`` files pay for, at most ``jobs`` (None: every CPU this
    process may use); 1 means in this process."""
    wanted = available_cpus() if jobs is None else jobs
    return max(1, min(wanted, files // FILES_PER_WORKER[start_method()]))


def shares(items: Sequence[T], n: int) -> list[list[tuple[int, T]]]:
    """``items`` dealt to ``n`` workers in turn, each with its position, so that results
    can be put back in order; dealing (not slicing) spreads large and small files alike."""
    return [[(i, items[i]) for i in range(start, len(items), n)] for start in range(n)]


def in_order(parts: Sequence[Sequence[tuple[int, T]]], count: int) -> list[T]:
    """Results of :func:`shares` put back in the order of the items."""
    out: list[Any] = [None] * count
    for part in parts:
        for index, value in part:
            out[index] = value
    return out


class Local:
    """The tasks of a pool run here, on one state."""

    size = 1

    def __init__(self, init: Callable[..., Any], *args: Any) -> None:
        self.state = init(*args)

    def each(self, task: Callable[[Any, A], R], args: Sequence[A],
             meanwhile: Callable[[], R] | None = None) -> list[R]:
        (arg,) = args
        return [task(self.state, arg), *([meanwhile()] if meanwhile else [])]

    def close(self) -> None:
        _close(self.state)


class Pool:
    """``n`` worker processes, each with its own state and a pipe to this process."""

    def __init__(self, n: int, init: Callable[..., Any], *args: Any) -> None:
        self.size = n
        context: Any = multiprocessing.get_context(start_method())
        # What this process has buffered would otherwise be written again by each fork.
        sys.stdout.flush()
        sys.stderr.flush()
        self._pipes: list[Any] = []
        self._processes: list[Any] = []
        # Ctrl-C while a worker is forked would be raised in the fork hooks, which swallow
        # it: the signals wait until the workers are started (and each worker lets them in
        # once its own handlers are set).
        _hold_signals(True)
        try:
            for _ in range(n):
                mine, theirs = context.Pipe()
                # A forked worker starts with copies of this process's ends of every pipe:
                # it closes them, so that each pipe ends when this process ends.
                ours = [*self._pipes, mine] if context.get_start_method() == "fork" else []
                process = context.Process(target=_serve, args=(theirs, ours, init, args),
                                          daemon=True)
                process.start()
                theirs.close()
                self._pipes.append(mine)
                self._processes.append(process)
            _hold_signals(False)  # a signal that came meanwhile is raised here
        except BaseException:
            _hold_signals(False)
            self.stop()
            raise

    def each(self, task: Callable[[Any, A], R], args: Sequence[A],
             meanwhile: Callable[[], R] | None = None) -> list[R]:
        """``task(state, args[i])`` in worker i, for every worker; the results in order,
        then that of ``meanwhile()``, run here while the workers work."""
        for i, arg in enumerate(args):
            self.send(i, task, arg)
        here = [meanwhile()] if meanwhile else []
        return [*(self.receive(i) for i in range(self.size)), *here]

    def send(self, i: int, task: Callable[[Any, A], Any], arg: A) -> None:
        """Start ``task(state, arg)`` in worker i; :meth:`receive` gets its result."""
        try:
            self._pipes[i].send((task, arg))
        except OSError:  # the pipe is broken: the worker is gone
            self._died(i)

    def done(self, among: Sequence[int], timeout: float | None) -> list[int]:
        """Which of the workers ``among`` have a result (or have died), waiting up to
        ``timeout`` seconds (None: until one has)."""
        ready = wait([self._pipes[i] for i in among], timeout)
        return [i for i in among if self._pipes[i] in ready]

    def receive(self, i: int) -> Any:
        try:
            kind, value = self._pipes[i].recv()
        except (EOFError, OSError):
            self._died(i)
        if kind == "ok":
            return value
        if kind == "error":  # a user-facing error (a file that cannot be written, ...)
            raise value
        raise WorkerBug(value)

    def _died(self, i: int) -> NoReturn:
        process = self._processes[i]
        process.join(_SHUTDOWN_SECONDS)
        code = process.exitcode
        how = f"was killed by signal {-code}" if code is not None and code < 0 \
            else f"ended with exit code {code}"
        raise WorkerDied(f"worker process {i + 1} of {self.size} {how} before it finished "
                         "(out of memory?)",
                         hint="run again with --jobs 1 to do the work in one process")

    def close(self) -> None:
        """Let the workers finish: each ends when it reads the end of its pipe."""
        for pipe in self._pipes:
            with contextlib.suppress(OSError):  # a worker that has ended already
                pipe.send(None)
            pipe.close()
        for process in self._processes:
            process.join(_SHUTDOWN_SECONDS)
        self.stop()

    def stop(self) -> None:
        """End the workers now (SIGTERM: each removes the temp file of a write under way)
        and wait for them."""
        for process in self._processes:
            if process.exitcode is None:
                process.terminate()
        for pipe in self._pipes:  # a worker that missed the signal reads the end of its pipe
            pipe.close()
        for process in self._processes:
            process.join(_SHUTDOWN_SECONDS)
            if process.exitcode is None:  # pragma: no cover - stuck in the kernel
                process.kill()
                process.join()


class WorkerDied(PostmortemError):
    """A worker process ended without its result (killed, or out of memory)."""


class WorkerBug(Exception):
    """An unexpected exception in a worker: its traceback, as the command line shows bugs."""

    def __str__(self) -> str:
        return f"in a worker process:\n{self.args[0]}"


@contextmanager
def workers(n: int, init: Callable[..., Any], *args: Any) -> Iterator[Local | Pool]:
    """``n`` workers (1: this process) for tasks on ``init(*args)``; on any exception,
    Ctrl-C included, they are stopped before it goes on."""
    if n <= 1:
        local = Local(init, *args)
        try:
            yield local
        finally:
            local.close()
        return
    pool = Pool(n, init, *args)
    try:
        yield pool
    except BaseException:
        pool.stop()
        raise
    pool.close()


class Stream(Generic[A, R]):
    """Work that a stream names bit by bit, so much of it that a total is only known at the
    end: ``task(state, batch)`` for batches of ``batch`` items, done here (as they fill)
    until ``threshold`` items have come, then by up to ``jobs`` workers while the stream
    goes on. Use it through :func:`stream`.

    A worker is sent a batch only when it has none: it is then waiting for one, so neither
    end of a pipe can block on a full pipe while the other does too. Batches wait here
    meanwhile (the stream is not held up), and go to the first worker done.
    """

    def __init__(self, jobs: int | None, threshold: int, batch: int,
                 task: Callable[[Any, list[A]], R], init: Callable[..., Any],
                 *args: Any) -> None:
        self._workers = available_cpus() if jobs is None else jobs
        self._threshold = threshold
        self._batch = batch
        self._task = task
        self._init, self._args = init, args
        self._items = 0
        self._filling: list[A] = []
        self._full: deque[tuple[int, list[A]]] = deque()  # (number, batch) not sent yet
        self._results: list[tuple[int, R]] = []
        self._local: Local | None = None
        self._pool: Pool | None = None
        self._busy: dict[int, int] = {}  # worker -> the batch it has

    def put(self, item: A) -> None:
        self._filling.append(item)
        self._items += 1
        if self._pool is None and self._workers > 1 and self._items >= self._threshold:
            if self._local is not None:  # its git processes end before workers are forked
                self._local.close()
                self._local = None
            self._pool = Pool(self._workers, self._init, *self._args)
        if len(self._filling) == self._batch:
            self._full.append((self._items // self._batch, self._filling))
            self._filling = []
            self._dispatch(end=False)

    def results(self) -> list[R]:
        """The results of all batches, in the order of their items."""
        if self._filling:
            self._full.append((self._items // self._batch + 1, self._filling))
            self._filling = []
        self._dispatch(end=True)
        return [result for _, result in sorted(self._results, key=lambda r: r[0])]

    def _dispatch(self, *, end: bool) -> None:
        pool = self._pool
        if pool is None:
            while self._full:
                if self._local is None:
                    self._local = Local(self._init, *self._args)
                number, batch = self._full.popleft()
                self._results.append((number, self._task(self._local.state, batch)))
            return
        timeout: float | None = 0  # while the stream goes on, only collect what is done
        while True:
            for i in pool.done(list(self._busy), timeout):
                self._results.append((self._busy.pop(i), pool.receive(i)))
            for i in range(pool.size):
                if i not in self._busy and self._full:
                    number, batch = self._full.popleft()
                    pool.send(i, self._task, batch)
                    self._busy[i] = number
            if not (end and self._busy):
                return
            timeout = None

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
        if self._pool is not None:
            self._pool.close()

    def stop(self) -> None:
        if self._local is not None:
            self._local.close()
        if self._pool is not None:
            self._pool.stop()


@contextmanager
def stream(jobs: int | None, threshold: int, batch: int, task: Callable[[Any, list[A]], R],
           init: Callable[..., Any], *args: Any) -> Iterator[Stream[A, R]]:
    """A :class:`Stream`; on any exception, Ctrl-C included, its workers are stopped before
    it goes on."""
    work: Stream[A, R] = Stream(jobs, threshold, batch, task, init, *args)
    try:
        yield work
    except BaseException:
        work.stop()
        raise
    work.close()


def _serve(pipe: Any, ours: list[Any], init: Callable[..., Any], args: tuple[Any, ...]
           ) -> None:
    """A worker's life: make the state, then run tasks until the pipe ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides (see module doc)
    signal.signal(signal.SIGTERM, _terminated)
    for inherited in ours:
        inherited.close()
    state: Any = None
    try:
        # A SIGTERM raised while a finalizer ran is lost there: the worker ends at its next
        # turn instead.
        with stops_kept() as stopped:
            _hold_signals(False)  # held while this worker was started (see Pool)
            try:
                state = init(*args)
                failure: tuple[str, Any] | None = None
            except Exception as exc:
                failure = _failure(exc)
            while not stopped:
                try:
                    message = pipe.recv()
                except (EOFError, OSError):
                    return
                if message is None:
                    return
                task, arg = message
                reply = failure
                if reply is None:
                    try:
                        reply = ("ok", task(state, arg))
                    except Exception as exc:
                        reply = _failure(exc)
                try:
                    pipe.send(reply)
                except OSError:  # the parent closed its end: it is stopping this worker
                    return
    except Terminated:
        return
    finally:
        # A second SIGTERM now ends the worker outright: there is nothing left to unwind.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _close(state)


def _hold_signals(hold: bool) -> None:
    """Hold back Ctrl-C and SIGTERM (or let them in again), where the platform can."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK,
                               {signal.SIGINT, signal.SIGTERM})


def _close(state: Any) -> None:
    """End what a worker's state holds open (a state with a ``close`` method: git
    processes, say), in the worker, before it ends."""
    close = getattr(state, "close", None)
    if close is not None:
        close()


def _failure(exc: Exception) -> tuple[str, Any]:
    if isinstance(exc, PostmortemError):
        return "error", exc
    return "bug", traceback.format_exc()


def _terminated(signum: int, frame: Any) -> None:
    raise Terminated
