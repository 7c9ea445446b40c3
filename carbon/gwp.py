"""Global warming potentials (100-year) by IPCC assessment report.

The values are never typed here: :func:`factors.load_factor_set` reads them from the
``globalwarmingpotentials`` package and hands them over as :class:`GwpSet` objects.

References
----------
.. [1] openclimatedata/globalwarmingpotentials, ``globalwarmingpotentials.csv`` (columns
   ``SARGWP100``, ``AR4GWP100``, ``AR5GWP100``, ``AR6GWP100``, each citing its table).
.. [2] IPCC AR5 WG1 Ch. 8, Table 8.A.1 (CF4 6630, C2F6 11100).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from carbon.errors import InvalidInput

#: The sets a caller may ask for, and the package column each one reads.
GWP_COLUMNS: dict[str, str] = {
    "SAR": "SARGWP100",
    "AR4": "AR4GWP100",
    "AR5": "AR5GWP100",
    "AR6": "AR6GWP100",
}
DEFAULT_GWP = "AR5"


@dataclass(frozen=True)
class GwpSet:
    """One assessment report's 100-year GWPs.

    Attributes
    ----------
    name : str
        ``"SAR"``, ``"AR4"``, ``"AR5"`` or ``"AR6"``.
    column : str
        The package column the values come from, e.g. ``"AR5GWP100"``.
    values : Mapping[str, float]
        GWP per gas [t CO2e / t gas]; CO2 is 1 by definition.
    source : str
        Where the values were read (package and version).
    reference : str
        The table the package cites for this column.
    """

    name: str
    column: str
    values: Mapping[str, float] = field(repr=False)
    source: str = ""
    reference: str = ""

    def __getitem__(self, gas: str) -> float:
        if gas == "CO2":
            return 1.0
        try:
            return float(self.values[gas])
        except KeyError:
            raise InvalidInput(f"GWP set {self.name} has no value for {gas!r}", ("gas",)) from None


def check_gwp_name(name: str) -> str:
    """Return ``name`` if it is a known GWP set, else raise :class:`InvalidInput`."""
    if name not in GWP_COLUMNS:
        known = ", ".join(GWP_COLUMNS)
        raise InvalidInput(f"unknown GWP set {name!r}; use one of {known}", ("gwp",))
    return name
