"""Batch ingestion: every core (or a Dask cluster), incremental by content hash, resumable after a crash.

Each file's result is checkpointed by the worker that read it (``OUT/.discl-cache/``: its cells and
findings as Arrow fragments, then a small JSON summary; keyed by the file's SHA-256, discl's parser
version and the read settings), so

* a re-run on an unchanged folder reads no document (hashing is all it does),
* a run killed half way (``kill -9``, Ctrl-C, power loss) resumes where it stopped,
* changed files are read again and files that disappeared drop out of the outputs.

The parent keeps the list of files, their hashes and report rows in a scratch SQLite file, streams
the fragments into the outputs and runs the cross-report checks agency group by agency group, so its
memory depends neither on the number of files nor on their cells. Outputs are written atomically
(temporary file + rename): the three single Parquet files and a dataset partitioned by year
(``OUT/dataset/{reports,values,issues}/YYYY/``, each file with a ``year`` column) that pandas,
pyarrow, DuckDB and Dask read directly.

The modules, one concern each: :mod:`~discl.batch.worker` (one file in a worker process),
:mod:`~discl.batch.cache` (checkpoints), :mod:`~discl.batch.index` (the scratch index),
:mod:`~discl.batch.engines` (process pool, Dask), :mod:`~discl.batch.cross` (the cross-report pass),
:mod:`~discl.batch.writer` (the Parquet outputs), :mod:`~discl.batch.inputs` (the input roots an output
keeps, ``OUT/inputs.json``), :mod:`~discl.batch.run` (:func:`ingest`).

>>> import discl.batch
>>> sorted(discl.batch.__all__)
['BatchSettings', 'BatchSummary', 'CACHE_DIR', 'PARSER_VERSION', 'ingest', 'read_one']
"""
from .cache import CACHE_DIR, PARSER_VERSION
from .run import BatchSummary, ingest, plan_for
from .settings import BatchSettings
from .worker import read_one

__all__ = ["BatchSettings", "BatchSummary", "CACHE_DIR", "PARSER_VERSION", "ingest", "read_one"]
