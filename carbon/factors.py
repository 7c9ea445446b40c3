"""Factors with provenance, and their selection by kind, activity, region and year.

A :class:`Factor` is one published number (a standard-coal coefficient, a net calorific
value, a grid emission factor ...) with the unit it was published in, the years it is valid
for and the source it comes from. The loader in ``factors/`` also stores each value converted
to the *canonical* unit of its kind (:func:`canonical_unit`), so that calculations need no unit
handling at all.

Selection rule (DOMAIN.md): the factor valid for the year asked; where there is none, the latest
earlier one, and the result is marked *provisional*. Where there is no earlier one either (a
year before the first publication, e.g. a 2020 baseline against factors first published for
2021), the earliest later one is used, also marked provisional.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from carbon.catalog import CARRIERS, PROCESS_PRODUCTS, CarrierKind
from carbon.errors import FactorNotFoundError, InvalidInput
from carbon.gwp import GwpSet, check_gwp_name

NATIONAL = "CN"

#: The factor activity each catalogue item is looked up under. The three electricity carriers
#: share the factors of ``electricity``; purchased heat uses those of ``heat``.
_SHARED_ACTIVITY = {CarrierKind.ELECTRICITY: "electricity", CarrierKind.HEAT: "heat"}
ACTIVITY_OF_ITEM: dict[str, str] = {
    name: _SHARED_ACTIVITY.get(c.kind, name) for name, c in CARRIERS.items()
} | {name: name for name in PROCESS_PRODUCTS}

#: Canonical unit of the activity each factor applies to.
ACTIVITY_UNITS: dict[str, str] = (
    {name: c.canonical_unit for name, c in CARRIERS.items()}
    | {"electricity": "kWh", "heat": "GJ"}
    | {name: "t" for name in PROCESS_PRODUCTS}
)

#: Canonical unit of each kind of factor; ``{unit}`` is the activity's canonical unit.
KIND_UNITS: dict[str, str] = {
    "tce_equivalent": "tce/{unit}",  # GB/T 2589 equivalent-value coefficient
    "tce_equal_value": "tce/kWh",  # GB/T 2589 equal-value: that year's coal per kWh supplied
    "ncv": "GJ/{unit}",  # net calorific value
    "carbon_content": "tC/GJ",  # carbon content per unit of heat
    "oxidation": "dimensionless",  # carbon oxidation rate
    "co2_ef": "tCO2/GJ",  # CO2 per unit of heat (IPCC Table 1.4)
    "grid_average": "tCO2/kWh",  # MEE/NBS average electricity CO2 factor
    "grid_excl_market_nonfossil": "tCO2/kWh",  # national, excluding market-traded non-fossil
    "grid_fossil": "tCO2/kWh",  # national fossil-fuel electricity
    "grid_reporting": "tCO2/kWh",  # MEE's fixed factor for reporting years
    "heat_ef": "tCO2/GJ",  # purchased heat
    "anode_net_consumption": "t/t",  # t anode per t aluminium
    "anode_sulphur": "dimensionless",
    "anode_ash": "dimensionless",
    "pfc_ef": "t/t",  # t PFC per t aluminium
    "process_ef": "tCO2/t",  # t CO2 per t product
}


def canonical_unit(kind: str, activity: str) -> str:
    """The unit a factor of ``kind`` for ``activity`` is converted to on loading.

    Raises
    ------
    InvalidInput
        For an unknown kind, or a kind per activity unit with an unknown activity.
    """
    try:
        pattern = KIND_UNITS[kind]
    except KeyError:
        raise InvalidInput(f"unknown factor kind {kind!r}", ("kind",)) from None
    if "{unit}" not in pattern:
        return pattern
    try:
        return pattern.format(unit=ACTIVITY_UNITS[activity])
    except KeyError:
        raise InvalidInput(f"unknown activity {activity!r} for {kind}", ("activity",)) from None


@dataclass(frozen=True)
class Source:
    """A publication, in one edition, that factors come from.

    Attributes
    ----------
    key : str
        Folder name of the source, e.g. ``"mee_grid"``.
    edition : str
        Folder name of the edition, e.g. ``"2022"``.
    publisher, title, url, date : str
        As printed by the publisher.
    confirmed : str
        How the values were confirmed (primary text, secondary copy ...).
    """

    key: str
    edition: str
    publisher: str
    title: str
    url: str
    date: str
    confirmed: str
    note: str = ""

    @property
    def label(self) -> str:
        """``publisher, title (edition)``, for listings."""
        return f"{self.publisher}, {self.title} ({self.edition})"


@dataclass(frozen=True)
class Factor:
    """One published factor.

    Attributes
    ----------
    id : str
        Unique across the library, e.g. ``"mee_grid-2022:grid_average:CN-CQ"``.
    source, edition : str
        The source folder and its edition.
    kind : str
        One of :data:`KIND_UNITS`.
    activity : str
        What it applies to (``"diesel"``, ``"electricity"``, ``"primary_aluminium"`` ...).
    region : str
        ``"CN"``, an ISO 3166-2 code such as ``"CN-CQ"``, or a grid region ``"CN-grid-..."``.
    gas : str
        ``"CO2"``, ``"CF4"``, ``"C2F6"``, or ``""`` where no gas applies.
    value : float
        As published, in ``unit``.
    unit : str
        A pint unit string, e.g. ``"kgCO2/kWh"`` or ``"GJ/(10000 m3)"``.
    year_from, year_to : int or None
        Inventory years the factor is valid for, inclusive; ``None`` is open.
    reference : str
        Table and page in the source.
    canonical_value : float
        ``value`` in ``canonical_unit`` (see :func:`canonical_unit`).
    """

    id: str
    source: str
    edition: str
    kind: str
    activity: str
    region: str
    gas: str
    value: float
    unit: str
    year_from: int | None
    year_to: int | None
    reference: str
    canonical_value: float
    canonical_unit: str
    note: str = ""
    origin: Source | None = field(default=None, compare=False, repr=False)

    @property
    def publisher(self) -> str:
        return self.origin.publisher if self.origin else ""

    @property
    def title(self) -> str:
        return self.origin.title if self.origin else ""

    @property
    def url(self) -> str:
        return self.origin.url if self.origin else ""

    def covers(self, year: int) -> bool:
        """Whether ``year`` lies within the factor's valid years."""
        lo = -math.inf if self.year_from is None else self.year_from
        hi = math.inf if self.year_to is None else self.year_to
        return lo <= year <= hi

    def as_dict(self, *, provisional: bool = False) -> dict[str, object]:
        """The factor as an inventory lists it under ``factors_used``."""
        return {
            "id": self.id,
            "edition": self.edition,
            "source": self.origin.label if self.origin else self.source,
            "value": self.value,
            "unit": self.unit,
            "reference": self.reference,
            "provisional": provisional,
        }


@dataclass(frozen=True)
class Selected:
    """A factor chosen for a year, and whether it was a fallback (provisional)."""

    factor: Factor
    provisional: bool


def _lo(f: Factor) -> float:
    return -math.inf if f.year_from is None else f.year_from


def _hi(f: Factor) -> float:
    return math.inf if f.year_to is None else f.year_to


class FactorSet:
    """Every factor of the library, with selection by kind, activity, region and year.

    Parameters
    ----------
    factors : iterable of Factor
        Ids must be unique.
    gwp : mapping of str to GwpSet
        GWP sets by name (``"AR5"`` ...).
    """

    def __init__(self, factors: Iterable[Factor], gwp: Mapping[str, GwpSet] | None = None) -> None:
        self.factors: tuple[Factor, ...] = tuple(factors)
        self._gwp: dict[str, GwpSet] = dict(gwp or {})
        self._by_id: dict[str, Factor] = {}
        for f in self.factors:
            if f.id in self._by_id:
                raise InvalidInput(f"duplicate factor id {f.id!r}", ("id",))
            self._by_id[f.id] = f
        self._groups: dict[tuple[str, str, str], list[Factor]] = {}
        for f in self.factors:
            self._groups.setdefault((f.kind, f.activity, f.region), []).append(f)

    def __len__(self) -> int:
        return len(self.factors)

    def __iter__(self) -> Iterator[Factor]:
        return iter(self.factors)

    def __getitem__(self, factor_id: str) -> Factor:
        try:
            return self._by_id[factor_id]
        except KeyError:
            raise FactorNotFoundError(f"no factor with id {factor_id!r}") from None

    def __contains__(self, factor_id: object) -> bool:
        return factor_id in self._by_id

    @property
    def sources(self) -> dict[tuple[str, str], Source]:
        """Every source edition in the set, by (key, edition)."""
        out: dict[tuple[str, str], Source] = {}
        for f in self.factors:
            if f.origin is not None:
                out[(f.source, f.edition)] = f.origin
        return out

    def gwp(self, name: str) -> GwpSet:
        """The GWP set ``name`` (``"SAR"``, ``"AR4"``, ``"AR5"``, ``"AR6"``)."""
        check_gwp_name(name)
        try:
            return self._gwp[name]
        except KeyError:
            raise FactorNotFoundError(f"GWP set {name} is not loaded") from None

    def regions(self, kind: str, *, source: str | None = None) -> frozenset[str]:
        """Regions that have at least one factor of ``kind`` (from ``source``)."""
        return frozenset(
            f.region for f in self.factors if f.kind == kind and source in (None, f.source)
        )

    def candidates(
        self, kind: str, activity: str, region: str = NATIONAL, *, source: str | None = None
    ) -> list[Factor]:
        """Every factor of ``kind`` for ``activity`` in ``region``, from ``source`` if given."""
        found = self._groups.get((kind, activity, region), [])
        if source is not None:
            return [f for f in found if f.source == source]
        if len({f.source for f in found}) > 1:
            names = sorted({f.source for f in found})
            raise InvalidInput(
                f"{kind} for {activity} in {region} comes from several sources {names}; name one",
                ("source",),
            )
        return list(found)

    def select(
        self,
        kind: str,
        activity: str,
        region: str = NATIONAL,
        year: int | None = None,
        *,
        source: str | None = None,
    ) -> Selected:
        """The factor for ``year``, or the fallback described in the module docstring.

        ``year=None`` asks for a factor valid in every year (a standard's coefficient).
        Among factors covering the same year the latest edition wins.

        Raises
        ------
        FactorNotFoundError
            When there is no factor of ``kind`` for ``activity`` in ``region`` at all.
        """
        cands = self.candidates(kind, activity, region, source=source)
        if not cands:
            raise FactorNotFoundError(
                f"no {kind} factor for {activity!r} in {region}"
                + (f" from {source}" if source else "")
            )
        if year is None:
            open_ended = [f for f in cands if f.year_from is None and f.year_to is None]
            if not open_ended:
                raise FactorNotFoundError(f"{kind} for {activity!r} in {region} needs a year")
            return Selected(max(open_ended, key=lambda f: f.edition), False)
        covering = [f for f in cands if f.covers(year)]
        if covering:
            return Selected(max(covering, key=lambda f: f.edition), False)
        earlier = [f for f in cands if _hi(f) < year]
        if earlier:
            return Selected(max(earlier, key=lambda f: (_hi(f), f.edition)), True)
        return Selected(min(cands, key=lambda f: (_lo(f), f.edition)), True)

    def select_years(
        self,
        kind: str,
        activity: str,
        region: str,
        years: npt.ArrayLike,
        *,
        source: str | None = None,
    ) -> tuple[list[Factor | None], npt.NDArray[np.bool_]]:
        """:meth:`select` for a column of years.

        Each distinct year is looked up once. Years with no factor at all give ``None``.

        Returns
        -------
        factors : list of Factor or None
            One per year in ``years``.
        provisional : ndarray of bool
            One per year in ``years``.
        """
        arr = np.asarray(years)
        uniq, inverse = np.unique(arr, return_inverse=True)
        chosen: list[Factor | None] = []
        prov = np.zeros(len(uniq), dtype=bool)
        for i, y in enumerate(uniq.tolist()):
            try:
                sel = self.select(kind, activity, region, int(y), source=source)
            except FactorNotFoundError:
                chosen.append(None)
                continue
            chosen.append(sel.factor)
            prov[i] = sel.provisional
        inv = inverse.ravel()
        return [chosen[i] for i in inv.tolist()], prov[inv]

    def to_frame(self) -> pd.DataFrame:
        """Every factor as a table (one row a factor), for listings and exports."""
        rows = [
            {
                "id": f.id,
                "source": f.source,
                "edition": f.edition,
                "kind": f.kind,
                "activity": f.activity,
                "region": f.region,
                "gas": f.gas,
                "value": f.value,
                "unit": f.unit,
                "year_from": f.year_from,
                "year_to": f.year_to,
                "reference": f.reference,
                "canonical_value": f.canonical_value,
                "canonical_unit": f.canonical_unit,
                "publisher": f.publisher,
                "title": f.title,
                "url": f.url,
                "note": f.note,
            }
            for f in self.factors
        ]
        return pd.DataFrame(rows)
