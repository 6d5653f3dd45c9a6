"""factdash: a fact base of figures with their provenance, compared across sources in a dashboard."""

from dashboard.factbase.errors import FactBaseError, Problem
from dashboard.factbase.loader import load_factbase
from dashboard.factbase.model import FactBase

__all__ = ["FactBase", "FactBaseError", "Problem", "load_factbase"]
__version__ = "0.1.0"
