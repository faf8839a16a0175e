"""HiGHS models that print nothing.

`output_flag` silences a model's runs, but HiGHS writes its banner ("Running HiGHS ...", two lines)
to the process's standard output when the first model of the process is made, before any option can
be set. So the first one is made with file descriptor 1 pointed at /dev/null for that moment.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy

_banner_shown = False
_lock = threading.Lock()


def _swallow_banner() -> None:
    global _banner_shown
    with _lock:
        if _banner_shown:
            return
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True


def quiet_highs() -> highspy.Highs:
    """A model on one thread that logs nothing."""
    _swallow_banner()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    return highs
