"""factdash: a fact base of figures with their provenance, compared across sources in a dashboard."""

from .errors import FactBaseError, Problem
from .factbase import FactBase
from .loader import load_factbase

__all__ = ["FactBase", "FactBaseError", "Problem", "load_factbase"]
__version__ = "0.1.0"
