"""The memo's answers shared by the serving processes of one machine (``serve --workers N``).

Each process has its own memo (``licensing.cache``). Without sharing, N workers each count
every question again at every new minute and version: on a large ledger that is seconds to
minutes of CPU per worker, all at once. Here the first process to need an answer takes a lock
on it (``flock``, one file per question and stamp), counts, and writes the answer into the data
directory; the others wait on the lock without holding the interpreter lock and read the file.
The work is done once per machine, whichever worker's request or warmer asks first.

An answer is a pickle, written to a temporary file and renamed into place, so a reader sees a
whole answer or none. The directory lives in the data directory, which holds the ledger
itself: only seatledger's own processes write there. Soft state as the memo is: ``serve``
empties it at start-up, a question keeps only its newest few stamps, the folder keeps at most
``MAX_QUESTIONS`` questions (those answered longest ago go first), and any failure to read or
write a file only costs the computation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Hashable, Iterator

log = logging.getLogger(__name__)

__all__ = ["SharedAnswers"]

# Questions kept on disk at most (each with its newest few answers).
MAX_QUESTIONS = 1024
# The questions the serving processes were asked, for the supervising process's warmer.
ASKED_DIR = ".asked"


_INSTANT_FORMAT = "%Y%m%dT%H%M%S%f"


def _stamp_name(stamp: Hashable) -> str:
    version, at = stamp  # type: ignore[misc]
    return f"{int(version):012d}-{at:{_INSTANT_FORMAT}}" if isinstance(at, dt.datetime) else f"{int(version):012d}-{at}"


def _instant_stamp(name: str) -> tuple[int, dt.datetime] | None:
    """The (version, instant) stamp :func:`_stamp_name` wrote as ``name``; None for the timeless
    instant or a foreign file."""
    version, _, instant = name.partition("-")
    try:
        return int(version), dt.datetime.strptime(instant, _INSTANT_FORMAT)
    except ValueError:
        return None


class SharedAnswers:
    """Answers by (slot, stamp) in ``directory``: one folder per question, a file per stamp."""

    def __init__(self, directory: Path, keep: int, max_questions: int = MAX_QUESTIONS) -> None:
        self.directory = directory
        self.keep = keep
        self.max_questions = max_questions

    def clear(self) -> None:
        """Forget every answer (a new ``serve`` starts from nothing)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _folder(self, slot: Hashable) -> Path:
        # repr() of the slot (strings, numbers, dates, frozen dataclasses) is the same in every process.
        return self.directory / hashlib.sha256(repr(slot).encode()).hexdigest()[:32]

    def get(self, slot: Hashable, stamp: Hashable) -> tuple[bool, object]:
        path = self._folder(slot) / f"{_stamp_name(stamp)}.pickle"
        try:
            with open(path, "rb") as f:
                return True, pickle.load(f)
        except FileNotFoundError:
            return False, None
        except Exception:  # noqa: BLE001 - a damaged or foreign file: count instead
            log.debug("cannot read shared answer %s", path, exc_info=True)
            return False, None

    def has(self, slot: Hashable, stamp: Hashable) -> bool:
        """Whether the answer is there (one ``stat``; reading it is :meth:`get`)."""
        return (self._folder(slot) / f"{_stamp_name(stamp)}.pickle").exists()

    def latest(self, slot: Hashable, before: dt.datetime) -> tuple[tuple[int, dt.datetime], object] | None:
        """The question's newest answer (by version, then instant) counted at an instant before
        ``before``, with its stamp; None when there is none (or it cannot be read)."""
        best: tuple[int, dt.datetime] | None = None
        try:
            names = [p.name.removesuffix(".pickle") for p in self._folder(slot).glob("*.pickle")]
        except OSError:
            return None
        for name in names:
            stamp = _instant_stamp(name)
            if stamp is not None and stamp[1] < before and (best is None or stamp > best):
                best = stamp
        if best is None:
            return None
        found, value = self.get(slot, best)
        return (best, value) if found else None

    def put(self, slot: Hashable, stamp: Hashable, value: object) -> None:
        folder = self._folder(slot)
        name = _stamp_name(stamp)
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, folder / f"{name}.pickle")
        except Exception:  # noqa: BLE001 - unpicklable or a full disk: this process keeps its own copy
            log.debug("cannot share the answer %r", slot, exc_info=True)
            return
        self._prune(folder)
        self._forget_old_questions()

    def _forget_old_questions(self) -> None:
        """At most ``max_questions`` questions on disk: those answered longest ago go first
        (questions about many explicit instants would otherwise pile up until a restart)."""
        try:
            folders = [p for p in self.directory.iterdir() if p.is_dir() and p.name != ASKED_DIR]
            if len(folders) <= self.max_questions:
                return
            folders.sort(key=lambda p: p.stat().st_mtime)
            for old in folders[: len(folders) - self.max_questions]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            log.debug("cannot forget old questions in %s", self.directory, exc_info=True)

    def _prune(self, folder: Path) -> None:
        """Keep the question's newest stamps (the names sort by version, then instant)."""
        try:
            answers = sorted(p.name.removesuffix(".pickle") for p in folder.glob("*.pickle"))
            for old in answers[: -self.keep]:
                for suffix in (".pickle", ".lock"):
                    with contextlib.suppress(FileNotFoundError):
                        (folder / f"{old}{suffix}").unlink()
        except OSError:
            log.debug("cannot prune %s", folder, exc_info=True)

    # -- the questions asked, for the one warmer of the machine --------------------------------

    @property
    def _asked_dir(self) -> Path:
        return self.directory / ASKED_DIR

    def note_asked(self, slot: Hashable, kind: str, question: object, when: float) -> bool:
        """Tell the warmer that ``question`` (a pickle of what it needs to count the slot again)
        was asked 'now' in the way ``kind`` at ``when`` (wall clock): a file whose modification
        time is when. False when it cannot be told (the question does not pickle, a full disk)."""
        path = self._asked_dir / f"{self._folder(slot).name}-{kind}.pickle"
        try:
            if path.exists():
                os.utime(path, (when, when))
                return True
            data = pickle.dumps(question, protocol=pickle.HIGHEST_PROTOCOL)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.utime(tmp, (when, when))
            os.replace(tmp, path)
            return True
        except Exception:  # noqa: BLE001 - the asking process keeps counting it itself
            log.debug("cannot note the question %r for the warmer", slot, exc_info=True)
            return False

    def asked_since(self, oldest: float) -> Iterator[tuple[str, str, float, Path]]:
        """The questions noted as asked at or after ``oldest`` (wall clock): (file name, kind,
        when, path); older notes are deleted."""
        try:
            entries = list(os.scandir(self._asked_dir))
        except FileNotFoundError:
            return
        for entry in entries:
            if not entry.name.endswith(".pickle") or entry.name.startswith("."):
                continue
            try:
                when = entry.stat().st_mtime
                if when < oldest:
                    os.unlink(entry.path)
                    continue
            except OSError:
                continue
            kind = entry.name.removesuffix(".pickle").rpartition("-")[2]
            yield entry.name, kind, when, Path(entry.path)

    @staticmethod
    def read_question(path: Path) -> object | None:
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except Exception:  # noqa: BLE001 - gone, damaged, or of code this process lacks
            log.debug("cannot read the question %s", path, exc_info=True)
            return None

    @contextlib.contextmanager
    def computing(self, slot: Hashable, stamp: Hashable) -> Iterator[None]:
        """Held while one process counts the answer: the others wait here (the wait releases
        the interpreter lock) and then find the file."""
        folder = self._folder(slot)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder / f"{_stamp_name(stamp)}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            log.debug("cannot lock %s; counting without", folder, exc_info=True)
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
