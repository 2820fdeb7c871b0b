"""Imports every fuzz worker needs, done once in the forkserver (see :mod:`fuzz.pool`).

Importing this module is the preloading: a worker forked afterwards starts with NumPy, SciPy,
pandas, torch (and the parts torch imports at the first optimizer step, 4 s otherwise), SymPy,
matplotlib and every pydelt_like module already in memory.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: F401
import numpy  # noqa: F401
import pandas  # noqa: F401
import scipy.interpolate
import scipy.linalg
import scipy.special
import scipy.stats  # noqa: F401
import sympy  # noqa: F401
import torch
import torch._dynamo
import torch.optim  # noqa: F401
import xarray  # noqa: F401

import pydelt_like.cli
import pydelt_like.derivatives
import pydelt_like.integrals
import pydelt_like.local
import pydelt_like.multivariate
import pydelt_like.neural
import pydelt_like.numeric
import pydelt_like.plot
import pydelt_like.spline
import pydelt_like.stochastic
import pydelt_like.symbolic.interop
import pydelt_like.timeseries
import pydelt_like.verify  # noqa: F401

from . import checks, core  # noqa: F401
