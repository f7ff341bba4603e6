"""Peak resident memory (and CPU time) of a running process and its children, read from /proc (Linux only, no psutil).

A background thread sums VmRSS over the process tree every ~100 ms; at the end the
kernel's own high-water mark (VmHWM) of the root process is read too, because a short
spike between two samples would otherwise be missed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
SAMPLE_SECONDS = 0.1
KIB_PER_MIB = 1024
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def read_status_kib(pid: int, field: str) -> int:
    """One `kB` field of /proc/<pid>/status (0 when the process is gone or the field is missing)."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` so far, all its threads (0 when the process is gone)."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command name: state is field 3 of stat(5), utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def list_children(pid: int) -> list[int]:
    """Direct children of `pid`, over all its threads (a child may belong to any thread)."""
    children: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return children
    for task in tasks:
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def list_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += list_children(current)
    return tree


def read_tree_rss_kib(pid: int) -> int:
    return sum(read_status_kib(member, "VmRSS") for member in list_tree(pid))


class PeakMemorySampler:
    """Context manager: samples the tree of `pid` while open; `peak_mib` afterwards (call `finish` before the
    process exits to include its VmHWM)."""

    def __init__(self, pid: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pid = pid
        self.interval = interval
        self.sampled_peak_kib = 0
        self.hwm_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"rss-sampler-{pid}", daemon=True)

    def __enter__(self) -> PeakMemorySampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.finish()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self) -> None:
        self.sampled_peak_kib = max(self.sampled_peak_kib, read_tree_rss_kib(self.pid))
        self.hwm_kib = max(self.hwm_kib, read_status_kib(self.pid, "VmHWM"))
        self.samples += 1

    def finish(self) -> None:
        """Stop sampling after one last sample (idempotent; the process must still be alive for its VmHWM)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_mib(self) -> float:
        """The larger of the sampled tree peak and the root's kernel high-water mark."""
        return max(self.sampled_peak_kib, self.hwm_kib) / KIB_PER_MIB
