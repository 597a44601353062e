"""The course's exercises, two to four per notebook, as data: question, checker, hints,
worked solution, a correct answer and typical wrong ones.

Every numerical reference is *computed with dalearn* (seeded, cached for the session), never
typed in: if the library or the science changes, the checker follows it and the tests of
the stored answers say so.  A few answers are theory (an order of convergence, a choice);
their checkers say which, and the notebooks assert the computed counterpart.
"""
from __future__ import annotations

from ._bank_da import BANK_00_02, BANK_06_07
from ._bank_deep import BANK_08_09
from ._bank_ml import BANK_03_05

__all__ = ["BANK"]

_B = BANK_00_02 + BANK_03_05 + BANK_06_07 + BANK_08_09

BANK = {ex.id: ex for ex in _B}
