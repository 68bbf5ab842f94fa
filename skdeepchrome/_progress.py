"""How far a long job is: one reporter for every command and loop that runs for minutes.

On a terminal it draws a tqdm bar. Anywhere else (a file, ``nohup``, ``tee``, a cluster
job's log, a notebook's captured stream) a bar is a smear of carriage returns that says
nothing until the job ends, so it prints plain lines instead, each with its time, the
work done out of the total, the time elapsed and an estimate of the time left::

    2026-12-07 01:45:12  fits 3/13 (23%), 2 min 05 s elapsed, about 6 min 58 s left

Lines are rate-limited so that a log stays readable: one when the job starts, then one
each time another tenth of the work is done or ``every`` seconds have passed since the
last line (whichever comes first, checked when a piece of work ends), and always one at
the end. A disabled reporter (``--quiet``) prints nothing.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime

from tqdm.auto import tqdm


def format_seconds(seconds):
    """``"45 s"``, ``"2 min 05 s"``, ``"1 h 03 min"``: a duration for a person.

    Examples
    --------
    >>> format_seconds(125)
    '2 min 05 s'
    """
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _draws_bar(file):
    """Whether ``file`` shows a bar as a bar: a terminal, or a Jupyter kernel's stream."""
    if type(file).__module__.startswith("ipykernel"):
        return True
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Progress:
    """Report progress through ``total`` pieces of work on stderr.

    Use as a context manager; call :meth:`update` as each piece ends and :meth:`note`
    for news between pieces (an epoch of a network that is one piece).

    Parameters
    ----------
    total : int
        Pieces of work.
    desc : str
        What the pieces are, at the start of every line (``"fits"``).
    unit : str, default="task"
        The bar's unit.
    enabled : bool, default=True
        ``False`` prints nothing (``--quiet``).
    file : file object or None, default=None
        Where to write; ``None`` is ``sys.stderr`` at the time of the call.
    bar : bool or None, default=None
        Draw a tqdm bar (``True``) or print lines (``False``); ``None`` draws a bar
        when ``file`` is a terminal.
    every : float, default=30
        Seconds after which a finished piece prints a line even within the same tenth.
    clock : callable, default=time.monotonic
        Seconds, for the elapsed time (tests pass a fake one).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with Progress(2, "fits", file=out) as progress:
    ...     progress.update()
    ...     progress.update()
    >>> [line.split("  ", 1)[1].split(",")[0] for line in out.getvalue().splitlines()]
    ['fits 0/2 (0%)', 'fits 1/2 (50%)', 'fits 2/2 (100%)']
    """

    def __init__(self, total, desc, *, unit="task", enabled=True, file=None, bar=None,
                 every=30.0, clock=time.monotonic):
        self.total = int(total)
        self.desc = desc
        self.file = sys.stderr if file is None else file
        self.enabled = bool(enabled)
        self.every = every
        self._clock = clock
        self.done = 0
        self._status = ""
        self._start = clock()
        self._last_line = None
        self._last_tenth = 0
        self._bar = None
        if not self.enabled:
            return
        if _draws_bar(self.file) if bar is None else bar:
            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=self.file,
                             leave=False, smoothing=0, dynamic_ncols=True)
        else:
            self._line()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def update(self, n=1, *, status=None):
        """``n`` more pieces done; ``status`` replaces the news shown after the count."""
        self.done += n
        if status is not None:
            self._status = status
        if not self.enabled:
            return
        if self._bar is not None:
            if status is not None:
                self._bar.set_postfix_str(status, refresh=False)
            self._bar.update(n)
            return
        tenth = self.done * 10 // self.total if self.total else 10
        if (self.done >= self.total or tenth > self._last_tenth
                or self._clock() - self._last_line >= self.every):
            self._last_tenth = tenth
            self._line()

    def note(self, status):
        """News within the current piece (an epoch); a line at most every ``every`` s."""
        self._status = status
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(status)
        elif self._clock() - self._last_line >= self.every:
            self._line()

    def close(self):
        """Close the bar (printed lines need no closing)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _line(self):
        now = self._clock()
        self._last_line = now
        elapsed = now - self._start
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        text = f"{self.desc} {self.done}/{self.total}{share}"
        if self.done:
            text += f", {format_seconds(elapsed)} elapsed"
            if self.done < self.total:
                left = elapsed / self.done * (self.total - self.done)
                text += f", about {format_seconds(left)} left"
        if self._status:
            text += f"; {self._status}"
        stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp}  {text}", file=self.file, flush=True)
