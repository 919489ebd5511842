"""Where the per-file work runs: a local process pool or a dask.distributed cluster.

Both take the files to read as an iterator of ``(idx, path, sha)`` and call ``done(idx, path, summary)``
in the parent as each file's summary arrives; neither holds the whole batch in flight.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..settings import ReadSettings
from .settings import BatchSettings
from .worker import failed_summary, init_worker, read_one


def run_pool(todo: Iterator[tuple[int, str, str]], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
             done: Callable) -> None:
    """The per-file work on a local process pool fed from an iterator (a few files in flight per
    worker, never the whole list); a worker that dies (segfault, OOM kill) costs only the file it was
    reading."""
    retry: list[tuple[int, str, str]] = []
    todo = iter(todo)

    def take():
        return retry.pop() if retry else next(todo, None)

    item = take()
    while item is not None:
        with ProcessPoolExecutor(max_workers=batch.workers, initializer=init_worker,
                                 initargs=(batch.memory_mb,)) as pool:
            running: dict[Future, tuple[int, str, str]] = {}
            broken = False
            try:
                while (item is not None or running) and not broken:
                    while item is not None and len(running) < batch.workers * 2:
                        idx, f, sha = item
                        running[pool.submit(read_one, f, settings, cache_dir, sha, True, batch.checks)] = item
                        item = take()
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        idx, f, sha = running.pop(fut)
                        try:
                            done(idx, f, fut.result())
                        except BrokenProcessPool:
                            broken = True
                            done(idx, f, failed_summary(f, "internal_error",
                                                        "the worker reading this file died (crash or out of memory)"))
            except KeyboardInterrupt:
                # Ctrl-C: the files queued are not started; those being read finish and are checkpointed
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            if broken:
                # the files that were in flight with the dead worker are read again in a new pool
                if item is not None:
                    retry.append(item)
                retry.extend(running.values())
                item = take()


#: tasks in flight per worker thread of the cluster (enough to keep them busy, never the whole batch)
DASK_TASKS_PER_THREAD = 4


def run_dask(todo: Iterator[tuple[int, str, str]], settings: ReadSettings, batch: BatchSettings, cache_dir: str,
             done: Callable) -> None:
    """The per-file work on a dask.distributed cluster; inputs and OUT must be on a shared file system.
    A window of tasks per worker thread is in flight, so the scheduler never holds the whole batch."""
    try:
        from distributed import Client, as_completed
    except ImportError as e:
        raise RuntimeError("the dask engine needs the 'dask' extra: pip install 'discl[dask]'") from e
    with Client(batch.scheduler) as client:
        window = max(2, DASK_TASKS_PER_THREAD * sum(client.nthreads().values()))
        todo = iter(todo)
        items: dict[str, tuple[int, str, str]] = {}

        def submit(item):
            fut = client.submit(read_one, item[1], settings, cache_dir, item[2], False, batch.checks, pure=False)
            items[fut.key] = item
            return fut

        first = [submit(item) for _, item in zip(range(window), todo)]
        queue = as_completed(first)
        for fut in queue:
            idx, f, _sha = items.pop(fut.key)
            done(idx, f, fut.result())
            nxt = next(todo, None)
            if nxt is not None:
                queue.add(submit(nxt))
