"""What this machine has seen: every export that finished, as (size, duration) samples for
the throughput model.

Two sources, one sample per JobId: the batch store (every completed mailbox of every run,
with the size read when it was planned) and the job journal (single exports too; a
journal job's size is the last size stored for that mailbox, or the size just read by the
plan being estimated). A job whose mailbox's size was never read teaches nothing and is
left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tui.core.batch.estimate import Sample, Throughput, fit
from tui.core.batch.store import BatchStore
from tui.core.journal import JournalEntry


def finished_samples(store: BatchStore, journal: Iterable[JournalEntry] = (),
                     sizes: Mapping[str, float] | None = None) -> list[Sample]:
    """(size, seconds) of every finished export the store and the journal know, once each.
    `sizes` (by entity id) are sizes read just now; they win over stored ones."""
    seen: set[str] = set()
    samples: list[Sample] = []
    for job_id, size, started, ended in store.finished_sizes():
        if job_id and job_id not in seen and ended > started:
            seen.add(job_id)
            samples.append(Sample(size, ended - started, job_id))
    known = store.known_sizes() | dict(sizes or {})
    for entry in journal:
        known_size = known.get(entry.entity_id)
        if (entry.state != "COMPLETED" or not entry.job_id or entry.job_id in seen
                or known_size is None or entry.started_at is None or entry.ended_at is None):
            continue
        seconds = (entry.ended_at - entry.started_at).total_seconds()
        if seconds > 0:
            seen.add(entry.job_id)
            samples.append(Sample(known_size, seconds, entry.job_id))
    return samples


def learned_throughput(store: BatchStore, journal: Iterable[JournalEntry] = (),
                       sizes: Mapping[str, float] | None = None) -> Throughput:
    """The throughput model fitted to everything this machine has seen finish."""
    return fit(finished_samples(store, journal, sizes))
