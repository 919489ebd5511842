"""How a batch runs (workers, engine, per-worker memory, checks, cache): :class:`BatchSettings`."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class BatchSettings:
    """How a batch runs.

    >>> BatchSettings(workers=0)
    Traceback (most recent call last):
    ...
    ValueError: BatchSettings.workers must be at least 1, got 0
    """

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = "local"  # "local" (process pool) or "dask"
    scheduler: str | None = None  # dask scheduler address, e.g. tcp://10.0.0.5:8786
    memory_mb: int = 4096  # per-worker address-space limit (local engine); a file above it fails
    checks: bool = True
    use_cache: bool = True

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"BatchSettings.workers must be at least 1, got {self.workers}")
        if self.engine not in ("local", "dask"):
            raise ValueError(f"BatchSettings.engine must be 'local' or 'dask', got {self.engine!r}")
        if self.engine == "dask" and not self.scheduler:
            raise ValueError("BatchSettings.engine='dask' needs a scheduler address (--scheduler)")
        if self.memory_mb < 256:
            raise ValueError(f"BatchSettings.memory_mb must be at least 256, got {self.memory_mb}")
