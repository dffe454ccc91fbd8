"""pyabc's sampler over batches of draws, in this process or in worker processes.

pyabc draws its proposals from numpy's global generator: :class:`BatchSampler` seeds it for
batch ``b`` of generation ``t`` from ``SeedSequence(seed, spawn_key=(PROPOSALS_STREAM,
t + 1, b))`` and puts the caller's state back afterwards. Batches are taken in their order,
whatever order they finish in, so the result is the same for any number of workers and any
size of task.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import math
import pickle
import signal
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Final

import numpy as np

from crossing_sim.experiment.executors import max_jobs, start_method, start_pool
from crossing_sim.results.second_process import end_with_parent

__all__ = ["PROPOSALS_STREAM", "TASK_DRAWS", "BatchSampler"]

#: The spawn key of the proposals' streams (far above any point index, like the others).
PROPOSALS_STREAM: Final = 2**31 - 6

#: Draws a task sent to a worker holds at most (whole batches; a batch is at least one):
#: each task costs the main process about 0.2 ms to send and collect, but the batches of
#: a task run beyond the last one its generation uses are thrown away (tasks of 50 draws
#: threw away 6-14 % of a fit's nights at a population of 100, tasks of 20 about 4 %, for
#: about the same CPU time).
TASK_DRAWS: Final = 20

_CACHE: dict[str, Callable[[], Any]] = {}


def _start_worker() -> None:
    """In a worker: leave Ctrl-C to the main process, end with it if it is killed (as the
    nights' workers do), and one BLAS thread (two workers on two cores, each with a thread
    per core, would spend their time waiting on each other)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with_parent()
    from threadpoolctl import threadpool_limits  # a dependency of pyabc's scikit-learn

    threadpool_limits(1)


def _run_batches(token: str, payload: bytes, seeds: Sequence[np.random.SeedSequence],
                 size: int) -> bytes:
    """In a worker: ``size`` draws of each batch of a task (the generation's sampler
    unpickled once), pickled as :func:`_packed` packs them."""
    if token not in _CACHE:
        import cloudpickle

        _CACHE.clear()
        _CACHE[token] = cloudpickle.loads(payload)
    with _global_state_kept():
        return _packed([_draws(_CACHE[token], seed, size) for seed in seeds])


#: numpy's float64 scalars pickled as the Python float they equal (the same bits back):
#: numpy's own way pickles each with its dtype and bytes, which was two thirds of the
#: cost of sending a particle back (18.5 to 7.6 us; pyabc's parameters are such scalars).
_DISPATCH: Final = {**copyreg.dispatch_table, np.float64: lambda x: (np.float64, (float(x),))}


def _packed(batches: list[list[Any]]) -> bytes:
    """A task's batches as bytes, for :func:`pickle.loads` to give back as they are."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(batches)
    return out.getvalue()


@contextmanager
def _global_state_kept() -> Iterator[None]:
    """pyabc draws from numpy's global generator, which each batch seeds (:func:`_draws`):
    the caller's state is put back afterwards, once for all the batches (getting and
    setting it costs about 70 us, four times what seeding it costs)."""
    state = np.random.get_state()  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def _draws(simulate_one: Callable[[], Any], seed: np.random.SeedSequence, size: int) -> list[Any]:
    """A batch: numpy's global generator seeded for it, then its draws."""
    np.random.seed(seed.generate_state(4))  # noqa: NPY002
    return [simulate_one() for _ in range(size)]


def _make_sampler_class() -> type:
    from pyabc.sampler import Sampler

    class BatchSampler(Sampler):  # type: ignore[misc]
        """pyabc's sampler interface over batches of draws, in this process or a pool."""

        def __init__(self, seed: int, workers: int = 1,
                     on_batch: Callable[[int, int], None] | None = None) -> None:
            super().__init__()
            # capped as a local pool is (more would only share the cores)
            self.seed, self.on_batch = seed, on_batch
            self.workers = min(workers, max_jobs())
            self._pool: ProcessPoolExecutor | None = None
            self._forked = False  # whether the pool's workers were forked

        def sample_until_n_accepted(self, n: int, simulate_one: Callable[[], Any], t: int, *,
                                    max_eval: float = np.inf, all_accepted: bool = False,
                                    ana_vars: Any = None) -> Any:
            sample = self._create_empty_sample()
            size = max(1, math.ceil(n / 20))  # depends on n only: the same for any workers
            evaluated = accepted = 0

            def needed() -> int:
                """The batches the generation still needs, as its acceptance so far says
                (before any is accepted: as many as if every draw were)."""
                if not accepted:
                    return math.ceil(n / size)
                return math.ceil((n - accepted) * evaluated / accepted / size)

            batches = self._batches(simulate_one, t, size, needed)
            with _global_state_kept():  # (seeded for each batch drawn in this process)
                for particles in batches:
                    before, tried = accepted, evaluated
                    for particle in particles:
                        if accepted >= n or evaluated >= max_eval:
                            break
                        sample.append(particle)
                        evaluated += 1
                        accepted += bool(particle.accepted)
                    if self.on_batch is not None:
                        self.on_batch(accepted - before, evaluated - tried)
                    if accepted >= n or evaluated >= max_eval:
                        break
                batches.close()  # (with workers: what is still in flight is cancelled)
            self.nr_evaluations_ = evaluated
            if sample.n_accepted < n:
                sample.ok = False
            return sample

        def _batches(self, simulate_one: Callable[[], Any], t: int, size: int,
                     needed: Callable[[], int]) -> Generator[list[Any], None, None]:
            """The generation's batches in order. With workers, a task holds up to
            :data:`TASK_DRAWS` draws (whole batches); as many are kept in flight as the
            generation still needs, as its acceptance so far says, up to two tasks a worker
            (batches run beyond the last one used are thrown away: keeping the workers busy
            with batches the generation does not need cost 5 % more work a night; which
            batches are used depends on neither)."""
            def seed(b: int) -> np.random.SeedSequence:
                return np.random.SeedSequence(self.seed, spawn_key=(PROPOSALS_STREAM, t + 1, b))

            if self.workers <= 1:
                b = 0
                while True:
                    yield _draws(simulate_one, seed(b), size)
                    b += 1
            import cloudpickle  # pyabc's own dependency

            payload = cloudpickle.dumps(simulate_one)
            token = hashlib.sha256(payload).hexdigest()
            pool = self.pool()
            group = max(1, TASK_DRAWS // size)  # batches a task holds at most
            flight: deque[Future[bytes]] = deque()  # tasks, in batch order
            ahead = after = 0  # batches in flight; the first batch not yet submitted
            try:
                while True:
                    want = needed()
                    target = max(1, min(2 * self.workers * group, want))
                    share = max(1, min(group, math.ceil((target - ahead) / self.workers)))
                    while ahead < target:  # what is missing, shared among the workers
                        count = min(share, target - ahead)
                        flight.append(pool.submit(_run_batches, token, payload,
                                                  [seed(after + i) for i in range(count)], size))
                        ahead, after = ahead + count, after + count
                    for batch in pickle.loads(flight.popleft().result()):
                        ahead -= 1
                        yield batch
            finally:
                for future in flight:
                    future.cancel()
                for future in flight:
                    if not future.cancelled():
                        future.exception()  # wait: the next generation must not race it

        def pool(self) -> ProcessPoolExecutor:
            if self._pool is None:  # workers silent from their first instruction
                start = start_method()
                self._forked = start == "fork"
                self._pool = start_pool(self.workers, _start_worker, start)
            return self._pool

        def rest(self) -> None:
            """Stop the workers of a forked pool, and its threads with them, between fits
            (the next fit forks new ones in milliseconds); a spawned pool, slow to start
            again, is kept."""
            if self._forked:
                self.close()

        def close(self) -> None:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    return BatchSampler


def BatchSampler(seed: int, workers: int = 1,
                 on_batch: Callable[[int, int], None] | None = None) -> Any:
    """The batch sampler (its class is made when first needed: pyabc is imported late)."""
    global _SAMPLER
    if _SAMPLER is None:
        _SAMPLER = _make_sampler_class()
    return _SAMPLER(seed, workers, on_batch)


_SAMPLER: type | None = None
