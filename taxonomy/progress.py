"""Progress bars for long management commands, silent when nobody watches.

A bar (tqdm) is drawn only when the stream is a terminal; in CI, cron or a
pipe the commands print just their summary, so logs stay readable. It lives
in the lowest app because ``load_taxonomy`` uses it as well as the press
commands.
"""

import sys

from tqdm import tqdm


def _is_terminal(stream):
    stream = getattr(stream, "_out", stream)  # Django's OutputWrapper wraps the real stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def progress(iterable=None, *, total=None, desc="", unit="it", stream=None):
    """``iterable`` wrapped in a tqdm bar on a terminal, a plain pass-through elsewhere.

    Without ``iterable`` it returns a bar to ``update()`` by hand (a no-op bar
    off a terminal), so callers never test for the terminal themselves.
    """
    stream = stream if stream is not None else sys.stderr
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=getattr(stream, "_out", stream),
        disable=not _is_terminal(stream),
        dynamic_ncols=True,
        leave=False,
    )
