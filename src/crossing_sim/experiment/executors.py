"""Where replications run: in this process, on a local process pool, or on a Dask cluster.

Every executor runs :func:`crossing_sim.experiment.replications.run_batch` on tasks and yields
the batches as they finish, in any order: results never depend on the executor, because every
replication's random numbers depend only on the seed, its point and its index.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from crossing_sim.errors import ExecutorError, param
from crossing_sim.experiment.replications import Task, run_batch, run_packed
from crossing_sim.results.batches import Batch, Packed
from crossing_sim.results.second_process import can_fork, end_with_parent
from crossing_sim.scenario.spec import Scenario

__all__ = ["JOBS_PER_CORE", "POOL_RETRIES", "SMALL_FORKED_STUDY", "SMALL_STUDY", "DaskExecutor",
           "Executor", "PoolExecutor", "SerialExecutor", "choose_executor", "make_executor",
           "max_jobs", "small_study", "start_method", "start_pool"]


class Executor(Protocol):
    """Runs tasks of a set of scenarios (one per sweep point) and yields finished batches."""

    workers: int

    def run(self, scenarios: Sequence[Scenario], seed: int,
            tasks: Iterable[Task]) -> Iterator[Batch | Packed]: ...

    def rest(self) -> None:
        """Let idle workers go until the next :meth:`run` where they come back cheaply (a
        study that finishes needs none: this process may then fork to write its tables)."""

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process, one task after another (``--jobs 1``)."""

    workers = 1

    def run(self, scenarios: Sequence[Scenario], seed: int,
            tasks: Iterable[Task]) -> Iterator[Batch | Packed]:
        for task in tasks:
            yield run_batch(scenarios[task.point], seed, task)

    def rest(self) -> None:
        pass

    def close(self) -> None:
        pass


def _start_worker() -> None:
    """In a worker: leave Ctrl-C to the main process, which stops the pool; and on Linux,
    end with the main process if it is killed (no orphans left computing or blocked)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent()


#: How many times a pool whose worker died is replaced before the study stops.
POOL_RETRIES = 3
#: ``--jobs`` above this many worker processes per core is capped (they would only share
#: the cores and multiply the memory).
JOBS_PER_CORE = 4


def max_jobs() -> int:
    """The most worker processes a local pool starts."""
    return JOBS_PER_CORE * (os.cpu_count() or 1)


def start_method() -> str:
    """How a pool starts its workers here: ``fork`` where that is safe (Linux, this process
    running no other thread), else ``spawn``."""
    return "fork" if can_fork() else "spawn"


def start_pool(workers: int, initializer: Callable[[], None],
               start: str | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, every one started at once (``start``: ``fork`` or
    ``spawn``, by default :func:`start_method`), each running ``initializer`` first.

    A worker is silent to Ctrl-C from its first instruction (the main process stops the
    pool): it starts with SIGINT blocked (inherited from this thread, which blocks it while
    it starts them), then ignores it and lets go of the block. A Ctrl-C meanwhile is only
    held back: this process gets it when the workers are started.
    """
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_silent_then,
                               initargs=(initializer,),
                               mp_context=multiprocessing.get_context(start or start_method()))
    try:
        with _ctrl_c_held():
            for _ in range(workers):  # each submit starts one worker (none is idle yet)
                pool.submit(os.getpid)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    return pool


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold SIGINT back in this thread for the block (where signal masks exist), else ignore
    it there (in the main thread)."""
    if hasattr(signal, "pthread_sigmask"):
        before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        return
    quiet = threading.current_thread() is threading.main_thread()  # pragma: no cover
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if quiet else None
    try:
        yield
    finally:
        if quiet:
            signal.signal(signal.SIGINT, previous)


def _silent_then(initializer: Callable[[], None]) -> None:
    """In a worker, first: ignore Ctrl-C, let go of the block it started with, then the
    pool's own initializer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    initializer()


class PoolExecutor:
    """A pool of local worker processes (the default: one per core).

    On Linux, from a process with no other thread (the command line, a script), workers are
    forked: they start in milliseconds with everything already imported. Otherwise (a
    notebook, another system, a pool replaced while the old one's threads run) they are
    started with ``spawn``, which is safe from anywhere but imports everything again. A few
    tasks per worker are kept in flight so that a Ctrl-C stops quickly. A
    worker that dies (killed, out of memory) loses only its task: the pool is replaced and
    the lost tasks run again, up to :data:`POOL_RETRIES` times, then ExecutorError.
    """

    def __init__(self, workers: int | None = None,
                 work: Callable[[Scenario, int, Task], Packed] = run_packed,
                 start: str | None = None) -> None:
        self.workers = min(workers or os.cpu_count() or 1, max_jobs())
        self._work = work
        self._start = start  # "fork" or "spawn" [default: start_method() at each start]
        self._forked = False  # whether the pool's workers were forked
        self._pool: ProcessPoolExecutor | None = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        start = self._start or start_method()
        self._forked = start == "fork"
        return start_pool(self.workers, _start_worker, start)

    def rest(self) -> None:
        """Stop the workers of a forked pool (the next run forks new ones in milliseconds)
        and the pool's threads with them; a spawned pool, slow to start again, is kept."""
        if self._pool is not None and self._forked:
            self._pool.shutdown(wait=True)
            self._pool = None

    def run(self, scenarios: Sequence[Scenario], seed: int,
            tasks: Iterable[Task]) -> Iterator[Batch | Packed]:
        pending: dict[Future[Packed], Task] = {}
        if self._pool is None:
            self._pool = self._new_pool()
        queue = iter(tasks)
        again: list[Task] = []  # tasks lost with a worker, to run first
        limit = 3 * self.workers
        lost = 0
        try:
            while True:
                broken = False
                for task in itertools.chain(_drain(again), queue):
                    try:
                        future = self._pool.submit(self._work, scenarios[task.point], seed,
                                                   task)
                    except BrokenProcessPool:  # a worker died since the last batch
                        again.append(task)
                        broken = True
                        break
                    pending[future] = task
                    if len(pending) >= limit:
                        break
                if not broken:
                    if not pending:
                        return
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        task = pending.pop(future)
                        try:
                            batch = future.result()
                        except BrokenProcessPool:
                            broken = True
                            again.append(task)
                            continue
                        yield batch
                if broken:
                    lost += 1
                    again.extend(pending.values())  # every task in flight died with the pool
                    pending.clear()
                    if lost > POOL_RETRIES:
                        raise ExecutorError(
                            f"a worker process died {lost} times (killed, or out of memory?) "
                            f"while running replications {task.first} to "
                            f"{task.first + task.count - 1} of point {task.point}; stopped")
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _drain(tasks: list[Task]) -> Iterator[Task]:
    while tasks:
        yield tasks.pop(0)


class DaskExecutor:
    """A Dask distributed cluster at ``address`` (``pip install 'crossing-sim[dask]'``).

    Tasks are submitted as they are needed, each with its scenario; a task lost with a
    worker runs again elsewhere (Dask's own rescheduling, then up to :data:`POOL_RETRIES`
    more times here).
    """

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the optional extra
            raise ExecutorError(f"{param('scheduler')} needs Dask distributed: "
                                "pip install 'crossing-sim[dask]'") from None
        try:
            _check_address(address)
            self._client = Client(address, set_as_default=False, timeout=timeout)
            self.address = address
        except (ValueError, TypeError, OSError, TimeoutError) as exc:
            raise ExecutorError(f"{param('scheduler')} {address}: cannot reach a Dask "
                                f"scheduler there ({exc}); give its address, e.g. tcp://10.0.0.5:8786"
                                ) from None
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, scenarios: Sequence[Scenario], seed: int,
            tasks: Iterable[Task]) -> Iterator[Batch | Packed]:
        try:
            yield from self._run(scenarios, seed, tasks)
        except (GeneratorExit, KeyboardInterrupt, ExecutorError):
            raise
        except Exception as exc:  # the scheduler lost, a worker killed too often, ...
            raise ExecutorError(
                f"{param('scheduler')} {self.address}: the Dask cluster stopped the work "
                f"({_short(exc)}); stopped") from None

    def _run(self, scenarios: Sequence[Scenario], seed: int,
             tasks: Iterable[Task]) -> Iterator[Batch | Packed]:
        from distributed import as_completed

        submitted: dict[Any, Task] = {}  # by future key

        def submit(task: Task) -> Any:
            # the scenario travels with each task (a few kilobytes beside a batch's minutes
            # of work): no data of its own on a worker, so a killed worker loses nothing
            future = self._client.submit(run_packed, scenarios[task.point], seed, task,
                                         pure=False)
            submitted[future.key] = task
            return future

        queue = iter(tasks)
        futures = as_completed([submit(t) for t in itertools.islice(queue, 3 * self.workers)],
                               loop=self._client.loop)
        lost = 0
        for future in futures:
            task = submitted.pop(future.key)
            if future.status != "finished":  # failed or cancelled: run it again, a few times
                lost += 1
                if lost > POOL_RETRIES:
                    future.result()  # raises what went wrong
                future.release()
                futures.add(submit(task))
                continue
            batch: Packed = future.result()
            future.release()
            following = next(queue, None)
            if following is not None:
                futures.add(submit(following))
            yield batch

    def rest(self) -> None:
        """Nothing: the cluster's workers are not this process's to let go."""

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a client of a lost scheduler may fail
            self._client.close(timeout=5)


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split()).rstrip(":")  # one line
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_address(address: str) -> None:
    """Reject an address Dask cannot parse before a client is made (it would linger)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import backends

    scheme, location = parse_address(address)
    if scheme not in backends:
        raise ValueError(f"unknown address scheme {scheme!r} (known schemes: "
                         f"{', '.join(sorted(backends))})")
    if scheme in ("tcp", "tls"):
        parse_host_port(location)


#: Below this many nights in all, the default runs in this process: starting worker
#: processes with ``spawn`` (each imports everything) would take longer than the work.
SMALL_STUDY = 2000
#: The same where workers are forked (:func:`start_method`): they start in milliseconds.
SMALL_FORKED_STUDY = 200


def small_study() -> int:
    """Below this many nights the default executor is this process alone."""
    return SMALL_FORKED_STUDY if start_method() == "fork" else SMALL_STUDY


def choose_executor(jobs: int | None, scheduler: str | None, nights: int,
                    open_ended: bool = False) -> Executor:
    """The executor for a study of ``nights`` nights: as asked, or by default all cores, but
    this process alone for fewer than :func:`small_study` nights (unless ``open_ended``:
    a precision rule may add many more)."""
    if jobs is None and scheduler is None and not open_ended and nights < small_study():
        return SerialExecutor()
    return make_executor(jobs, scheduler)


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``--jobs`` / ``--scheduler``: Dask if an address is given, else a
    local pool (``jobs`` processes, default all cores), or this process if ``jobs == 1``."""
    if scheduler:
        return DaskExecutor(scheduler)
    if jobs == 1:
        return SerialExecutor()
    return PoolExecutor(jobs)
