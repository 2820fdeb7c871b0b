"""pydelt_like's own fuzz suite: hostile inputs for every public entry point.

Every generated input is a :class:`~fuzz.core.Case`: a few one-line Python statements (building the
data, then calling the package) that run after :data:`~fuzz.core.PREAMBLE`, plus the checks its
result must pass. A worker process runs each case under a time limit (a case that overruns is
killed, so native code that never returns to Python is caught too) and the oracle classes it:

- ``valid``: every call returned, and every result passed its checks;
- ``clear``: a documented exception (ValueError, TypeError, NotImplementedError, NotFittedError,
  ParseError; OSError for paths) raised by pydelt_like's own code with a message;
- ``deep``: any other exception type, or a documented one raised inside a dependency;
- ``silent``: NaN/inf for finite valid input, or a result no correct answer can be (an exact line
  or constant not reproduced beyond the data's own rounding);
- ``hang``: a case over the per-call time limit;
- ``unsafe``: loading a file ran foreign code.

The same generators (hypothesis strategies) feed the quick profile of ``tests/test_fuzz.py`` and
the full one of ``make fuzz`` (``python -m tests.fuzz``).
"""
