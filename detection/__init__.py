"""Judging runs and feeding the detection state machine, above the store it writes through."""

from detection.archive import Archive
from detection.run import RunResult, finish_run, run_stats

__all__ = ["Archive", "RunResult", "finish_run", "run_stats"]
