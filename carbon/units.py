"""Units: the program's one pint registry and the conversions built on it.

Every unit the service reads goes through :func:`parse_unit`, which understands the contract's
units in any case and with or without spaces (``KWH``, ``万 千瓦时``, ``m³``, ``tce/万元``) and
falls back to pint for anything else. Conversion factors are looked up once per distinct unit
(:func:`conversion_factor` is cached) and applied to whole columns by :func:`convert`.

The extra units (money, standard coal, Chinese spellings, counts of product) are defined in
``units.txt`` beside this module, each under a ``# Source:`` line.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from pathlib import Path
from typing import TypeVar, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
import pint

from carbon import catalog
from carbon.errors import (
    DimensionMismatchError,
    InvalidInput,
    InvalidQuantityError,
    UnknownItemError,
    UnknownUnitError,
)

__all__ = [
    "DEFINITIONS_FILE",
    "PRODUCT_NAME_MAX",
    "canonical_for",
    "canonical_for_dimension",
    "check_item",
    "conversion_factor",
    "convert",
    "describe_dimension",
    "normalise_unit_text",
    "parse_unit",
    "to_unit",
    "ureg",
]

DEFINITIONS_FILE = Path(__file__).with_name("units.txt")

#: The program's one unit registry. Create quantities with ``ureg.Quantity``; never build another.
ureg: pint.UnitRegistry = pint.UnitRegistry(cache_folder=None)
ureg.load_definitions(DEFINITIONS_FILE)
pint.set_application_registry(ureg)

#: Longest product name accepted in the production section [characters].
PRODUCT_NAME_MAX = 100

# --------------------------------------------------------------------------------------------
# Spellings
# --------------------------------------------------------------------------------------------

# pint expression -> spellings that mean it. Keys of the lookup table are the spellings
# normalised by normalise_unit_text (NFKC, no spaces, casefolded), so "KWH", "k W h" and "kwh"
# all find kWh. Ambiguous lower-case forms resolve to what a factory means: "mwh" is MWh (not
# milliwatt-hours), "mj" is MJ, "t" is the tonne (never the tesla), "kt" the kilotonne (pint's
# "kt" is the knot), "pc" a piece (pint's "pc" is the parsec), "nm3" a normal cubic metre.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    # electricity and energy
    "Wh": ("Wh", "W·h", "watt_hour", "瓦时"),
    "kWh": (
        "kWh",
        "kW·h",
        "kW.h",
        "kW*h",
        "kilowatt_hour",
        "kilowatthour",
        "千瓦时",
        "千瓦·时",
        "度",
        "度电",
    ),
    "MWh": ("MWh", "MW·h", "MW.h", "megawatt_hour", "兆瓦时"),
    "GWh": ("GWh", "GW·h", "GW.h", "gigawatt_hour", "吉瓦时", "百万千瓦时"),
    "TWh": ("TWh", "terawatt_hour", "太瓦时"),
    "kWh_10k": ("kWh_10k", "万千瓦时", "万kWh", "万kW·h", "万度"),
    "kWh_100M": ("kWh_100M", "亿千瓦时", "亿kWh", "亿度"),
    "J": ("J", "joule", "焦", "焦耳"),
    "kJ": ("kJ", "千焦"),
    "MJ": ("MJ", "兆焦"),
    "GJ": ("GJ", "吉焦", "百万千焦"),
    "TJ": ("TJ", "太焦"),
    # Chinese usage (GB 3102.4) takes the calorie as the international-table one, 4.1868 J,
    # where pint's bare "kcal" is the thermochemical 4.184 J.
    "kcal_it": ("kcal", "千卡", "大卡"),
    # standard coal (GB/T 2589)
    "gce": ("gce", "克标准煤", "克标煤"),
    "kgce": ("kgce", "千克标准煤", "千克标煤", "公斤标准煤", "公斤标煤"),
    "tce": ("tce", "吨标准煤", "吨标煤"),
    "tce_10k": ("tce_10k", "万tce", "万吨标准煤", "万吨标煤"),
    # mass; in China a ton is always the metric tonne (pint's "ton" is the US short ton)
    "g": ("g", "gram", "克"),
    "kg": ("kg", "kilogram", "千克", "公斤"),
    "t": ("t", "tonne", "tonnes", "metric_ton", "ton", "tons", "吨", "公吨"),
    "kilotonne": ("kt", "kilotonne", "千吨"),
    "t_10k": ("t_10k", "万吨", "万t"),
    # volume
    "L": ("L", "liter", "litre", "升"),
    "m**3": ("m3", "m^3", "m**3", "cubic_meter", "cubic_metre", "cbm", "立方米", "立方", "方"),
    "Nm3": ("Nm3", "Nm^3", "normal_cubic_meter", "标准立方米", "标立方米", "标方"),
    "m3_10k": ("m3_10k", "万立方米", "万m3", "万方", "万立方"),
    "Nm3_10k": ("Nm3_10k", "万Nm3", "万标准立方米", "万标立方米", "万标方"),
    # money
    "CNY": ("CNY", "RMB", "yuan", "renminbi", "¥", "元", "人民币", "元人民币"),
    "CNY_1k": ("CNY_1k", "千元"),
    "CNY_10k": ("CNY_10k", "万元", "万元人民币"),
    "CNY_100M": ("CNY_100M", "亿元", "亿元人民币"),
    # counts of product
    "piece": ("piece", "pieces", "pc", "pcs", "件", "台", "套", "个", "只", "辆"),
    "piece_10k": ("piece_10k", "万件", "万台", "万套", "万个", "万只", "万辆"),
    # emissions
    "tCO2e": ("tCO2e", "tCO2", "tCO2eq", "吨二氧化碳当量", "吨二氧化碳"),
    "kgCO2e": ("kgCO2e", "kgCO2", "kgCO2eq", "千克二氧化碳当量", "千克二氧化碳"),
    "gCO2e": ("gCO2e", "gCO2", "gCO2eq"),
}

# Spellings refused outright because their readings differ by orders of magnitude:
# "mt"/"MT" means the metric ton in trade; pint reads "mt" as a millitonne; "Mt" is a megatonne.
_AMBIGUOUS: dict[str, str] = {
    "mt": "'mt' is ambiguous (metric ton, millitonne or megatonne); write t, kt or 万吨",
    # pint reads "unit" as micro-nit (a luminance): say what is counted instead.
    "unit": "'unit' does not say what is counted; write piece, 件, 台 or 套",
    "units": "'units' does not say what is counted; write piece, 件, 台 or 套",
}

_MULTIPLY = frozenset("*·・•⋅×")
_TOKEN = re.compile(r"\*\*|\^|[*/()·・•⋅×]|[^*/()^·・•⋅×]+")
# "m3", "cm3", "km2" ...: a length unit followed by its power. (pint itself does not read "m3".)
_LENGTH_POWER = re.compile(r"(km|dm|cm|mm|m)([23])")


def normalise_unit_text(text: str) -> str:
    """The lookup key of a unit spelling: NFKC-folded, without any spaces, casefolded.

    NFKC turns full-width letters into ASCII and ``m³`` / ``㎥`` into ``m3``.

    Examples
    --------
    >>> normalise_unit_text(" K W h ")
    'kwh'
    >>> normalise_unit_text("万 立方米")
    '万立方米'
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


_ALIASES: dict[str, str] = {
    normalise_unit_text(spelling): expr
    for expr, spellings in _SPELLINGS.items()
    for spelling in spellings
}


def _resolve_atom(atom: str) -> str:
    """The pint expression for one unit name of a (possibly compound) unit text."""
    key = atom.casefold()
    if key in _AMBIGUOUS:
        raise UnknownUnitError(_AMBIGUOUS[key])
    expr = _ALIASES.get(key)
    if expr is not None:
        return f"({expr})" if "*" in expr else expr
    power = _LENGTH_POWER.fullmatch(atom)
    if power is not None:
        return f"{power.group(1)}**{power.group(2)}"
    return atom


@functools.lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit as enterprises write it.

    The contract's units are understood in any case and with or without spaces, through a
    table of spellings keyed by :func:`normalise_unit_text`; compound units (``tce/万元``,
    ``kgce/t``, ``kW·h``) are split at ``/``, ``*``, ``·``, ``^`` and parentheses and each name is
    looked up the same way; names not in the table are passed to pint as written (pint is
    case-sensitive).

    Parameters
    ----------
    text : str
        The unit as sent, e.g. ``"万千瓦时"``, ``"KWH"``, ``"tce / 万元"``.

    Returns
    -------
    pint.Unit
        A unit of :data:`ureg`.

    Raises
    ------
    UnknownUnitError
        If the text is empty, ambiguous (``mt``), not a unit, or carries a number (``1000 kg``).

    References
    ----------
    .. [1] GB/T 2589-2020 综合能耗计算通则 (standard coal: 1 kgce = 29.3076 MJ).
    """
    if not isinstance(text, str):
        raise UnknownUnitError(f"unit must be text, got {type(text).__name__}")
    compact = "".join(unicodedata.normalize("NFKC", text).split())
    if not compact:
        raise UnknownUnitError("unit is required")
    whole = _ALIASES.get(compact.casefold())
    if whole is not None:
        expr = whole
    else:
        if compact.casefold() in _AMBIGUOUS:
            raise UnknownUnitError(_AMBIGUOUS[compact.casefold()])
        parts: list[str] = []
        for token in _TOKEN.findall(compact):
            if token in ("**", "^"):
                parts.append("**")
            elif token in _MULTIPLY:
                parts.append("*")
            elif token in "/()":
                parts.append(token)
            else:
                parts.append(_resolve_atom(token))
        expr = "".join(parts)
    try:
        unit = ureg.parse_units(expr)
    except Exception as exc:  # pint raises many types (AssertionError, TokenError ...) on junk
        raise UnknownUnitError(f"unknown unit {text!r}") from exc
    if not isinstance(unit, pint.Unit):  # pragma: no cover - parse_units always returns a Unit
        raise UnknownUnitError(f"unknown unit {text!r}")
    return unit


# --------------------------------------------------------------------------------------------
# Dimensions
# --------------------------------------------------------------------------------------------

_MASS = ureg.Unit("kg").dimensionality
_VOLUME = ureg.Unit("m**3").dimensionality
_ENERGY = ureg.Unit("J").dimensionality
_MONEY = ureg.Unit("CNY").dimensionality
_PIECES = ureg.Unit("piece").dimensionality

_DIMENSION_NAMES = {
    _MASS: "mass",
    _VOLUME: "volume",
    _ENERGY: "energy",
    _MONEY: "money",
    _PIECES: "a count of pieces",
    ureg.Unit("tCO2e").dimensionality: "CO2-equivalent mass",
    ureg.Unit("m").dimensionality: "length",
    ureg.Unit("m**2").dimensionality: "area",
    ureg.Unit("s").dimensionality: "time",
    ureg.Unit("W").dimensionality: "power",
    ureg.Unit("dimensionless").dimensionality: "a pure number",
}

# Canonical unit of a product by the dimension it was reported in.
_CANONICAL_BY_DIMENSION = {_MASS: "t", _VOLUME: "m3", _ENERGY: "kWh", _PIECES: "piece"}

# Units that state an amount of energy as standard coal.
_COAL_EQUIVALENT = ("gce", "kgce", "tce", "tce_10k")


def describe_dimension(unit: pint.Unit) -> str:
    """A plain-words name of a unit's dimension (``"energy"``, ``"mass"`` ...), for messages."""
    name = _DIMENSION_NAMES.get(unit.dimensionality)
    return name if name is not None else str(unit.dimensionality)


def canonical_for_dimension(unit_text: str) -> str:
    """The canonical unit of a product reported in ``unit_text``, chosen by its dimension.

    Mass → ``t``, volume → ``m3``, energy → ``kWh``, a count of pieces → ``piece``.

    Raises
    ------
    UnknownUnitError
        If the unit is not understood.
    DimensionMismatchError
        For money (reported only under economics) and any other dimension.
    """
    unit = parse_unit(unit_text)
    canonical = _CANONICAL_BY_DIMENSION.get(unit.dimensionality)
    if canonical is not None:
        return canonical
    if unit.dimensionality == _MONEY:
        raise DimensionMismatchError(
            f"unit {unit_text!r} measures money; money is reported only under economics"
        )
    raise DimensionMismatchError(
        f"unit {unit_text!r} measures {describe_dimension(unit)}; production is reported as "
        "a mass, volume, energy or count of pieces"
    )


# --------------------------------------------------------------------------------------------
# Conversions
# --------------------------------------------------------------------------------------------


def _clean(factor: float) -> float:
    """Round to 15 significant digits, removing binary noise (9999.999999999998 → 10000.0)."""
    return float(f"{factor:.15g}")


@functools.lru_cache(maxsize=4096)
def conversion_factor(unit_text: str, target_unit: str) -> float:
    """The number that turns a quantity in ``unit_text`` into ``target_unit``.

    Cached: each distinct pair of unit texts is worked out by pint once.

    Parameters
    ----------
    unit_text : str
        The unit as sent, e.g. ``"万千瓦时"``.
    target_unit : str
        The unit wanted, e.g. ``"kWh"`` (any text :func:`parse_unit` understands).

    Returns
    -------
    float
        Factor [target_unit / unit_text], rounded to 15 significant digits.

    Raises
    ------
    UnknownUnitError
        If either unit is not understood.
    DimensionMismatchError
        If the two units measure different things (``t`` to ``kWh``).

    References
    ----------
    .. [1] GB/T 2589-2020 综合能耗计算通则: 1 kgce = 7000 kcal = 29.3076 MJ.
    """
    source = parse_unit(unit_text)
    target = parse_unit(target_unit)
    try:
        factor = ureg.Quantity(1.0, source).to(target).magnitude
    except pint.DimensionalityError as exc:
        raise DimensionMismatchError(
            f"unit {unit_text!r} measures {describe_dimension(source)} and cannot be converted to "
            f"{target_unit!r} ({describe_dimension(target)})"
        ) from exc
    return _clean(float(factor))


_Values = TypeVar("_Values", pd.Series, npt.NDArray[np.float64])


@overload
def convert(values: float, unit_text: str, target_unit: str) -> float: ...
@overload
def convert(values: _Values, unit_text: str, target_unit: str) -> _Values: ...
def convert(
    values: float | pd.Series | npt.NDArray[np.float64], unit_text: str, target_unit: str
) -> float | pd.Series | npt.NDArray[np.float64]:
    """Convert a number, an array or a column from ``unit_text`` to ``target_unit``.

    One cached factor multiplies the whole input; pint is never called per element.

    Parameters
    ----------
    values : float or numpy.ndarray or pandas.Series
        Quantities [unit_text].
    unit_text, target_unit : str
        Units understood by :func:`parse_unit`.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The same quantities [target_unit], of the same type as ``values``.

    Raises
    ------
    UnknownUnitError, DimensionMismatchError
        As :func:`conversion_factor`.
    """
    factor = conversion_factor(unit_text, target_unit)
    if isinstance(values, pd.Series | np.ndarray):
        return values * factor
    return float(values) * factor


# --------------------------------------------------------------------------------------------
# Canonical units of report lines
# --------------------------------------------------------------------------------------------

_WATER = "@water"  # water: volume, or mass at 1 t = 1 m3
_BY_DIMENSION = "@by_dimension"  # products without a fixed canonical unit
_ELECTRICITY = "@electricity"  # kWh, but never stated in standard coal

_SECTIONS = frozenset(s.value for s in catalog.Section)
_ITEM_NAMES = {
    catalog.Section.ENERGY: "carrier",
    catalog.Section.WATER: "water kind",
    catalog.Section.SOLID_WASTE: "waste category",
    catalog.Section.ECONOMICS: "economics field",
}


def check_item(section: str, item: object) -> None:
    """Refuse an unknown section, or an item that its section does not know.

    Production items are free text of 1 to :data:`PRODUCT_NAME_MAX` characters.

    Raises
    ------
    UnknownItemError
        With ``loc = ("section",)`` or ``("item",)``.
    """
    if not isinstance(section, str) or section not in _SECTIONS:
        known = ", ".join(s.value for s in catalog.Section)
        raise UnknownItemError(
            f"unknown section {section!r}; expected one of {known}", ("section",)
        )
    if section == catalog.Section.PRODUCTION:
        if not isinstance(item, str) or not item.strip():
            raise UnknownItemError("product name is required", ("item",))
        if len(item) > PRODUCT_NAME_MAX:
            raise UnknownItemError(
                f"product name is {len(item)} characters long; at most {PRODUCT_NAME_MAX}",
                ("item",),
            )
        return
    known_items = catalog.known_items(section)
    if not isinstance(item, str) or item not in known_items:
        raise UnknownItemError(
            f"unknown {_ITEM_NAMES[catalog.Section(section)]} {item!r}; expected one of "
            + ", ".join(sorted(known_items)),
            ("item",),
        )


def _is_coal_equivalent(unit: pint.Unit) -> bool:
    return any(name.endswith(_COAL_EQUIVALENT) for name in re.findall(r"\w+", str(unit)))


@functools.lru_cache(maxsize=4096)
def _canonical(kind: str, unit_text: str) -> tuple[float, str]:
    """Factor and canonical unit for a line of ``kind`` (a canonical unit or a special key)."""
    if kind == _WATER:
        if parse_unit(unit_text).dimensionality == _MASS:
            # Water stated by mass: 1 t = 1 m3 (density 1000 kg/m3), as the contract says.
            return conversion_factor(unit_text, "t"), catalog.WATER_UNIT
        return conversion_factor(unit_text, catalog.WATER_UNIT), catalog.WATER_UNIT
    if kind == _BY_DIMENSION:
        canonical = canonical_for_dimension(unit_text)
        return conversion_factor(unit_text, canonical), canonical
    if kind == _ELECTRICITY:
        if _is_coal_equivalent(parse_unit(unit_text)):
            raise DimensionMismatchError(
                f"electricity is reported in kWh, not in standard coal ({unit_text!r}): "
                "its coal equivalent depends on the conversion method (当量值 or 等价值)"
            )
        return conversion_factor(unit_text, "kWh"), "kWh"
    return conversion_factor(unit_text, kind), kind


def canonical_for(section: str, item: str, unit_text: str) -> tuple[float, str]:
    """Conversion factor and canonical unit of one report line.

    Canonical units come from :func:`carbon.catalog.canonical_unit`. Water given in a mass unit
    converts at 1 t = 1 m3. Products without a fixed canonical unit get one by dimension
    (:func:`canonical_for_dimension`). Electricity stated in standard coal is refused: the
    equivalent depends on the method (当量值 0.1229 kgce/kWh or a year's 等价值), so the
    kWh cannot be recovered from it. Results are cached per (canonical unit, unit text).

    Parameters
    ----------
    section : str
        ``energy``, ``water``, ``solid_waste``, ``production`` or ``economics``.
    item : str
        Carrier, water kind, waste category, product name or economics field.
    unit_text : str
        The unit as sent.

    Returns
    -------
    factor : float
        Factor [canonical unit / unit sent].
    canonical_unit : str
        E.g. ``"kWh"``, ``"t"``, ``"m3"``, ``"GJ"``, ``"tce"``, ``"CNY_10k"``, ``"piece"``.

    Raises
    ------
    UnknownItemError
        Unknown section or item.
    UnknownUnitError
        Unit not understood.
    DimensionMismatchError
        Unit of the wrong dimension for the line (electricity in ``t``, money outside economics).

    References
    ----------
    .. [1] shared/API.md, "Canonical units" (water given in t is taken as 1 t = 1 m3).
    .. [2] GB/T 2589-2020 综合能耗计算通则, Appendix A (electricity 0.1229 kgce/kWh, 当量值).
    """
    check_item(section, item)
    canonical = catalog.canonical_unit(section, item)
    if section == catalog.Section.WATER:
        kind = _WATER
    elif canonical is None:
        kind = _BY_DIMENSION
    elif (
        section == catalog.Section.ENERGY
        and catalog.CARRIERS[item].kind == catalog.CarrierKind.ELECTRICITY
    ):
        kind = _ELECTRICITY
    else:
        kind = canonical
    try:
        return _canonical(kind, unit_text)
    except DimensionMismatchError as exc:
        if canonical is None or not isinstance(exc.__cause__, pint.DimensionalityError):
            raise
        wanted = describe_dimension(parse_unit(canonical))
        raise DimensionMismatchError(
            f"{item} is reported as {wanted} (in {canonical}); {exc.msg}"
        ) from exc


def to_unit(quantity: float, unit_text: str, target: str) -> float:
    """Convert one quantity, checking it as a report line's quantity is checked.

    For single figures outside reports, e.g. an energy-intensity limit of 0.5 ``tce/万元``.

    Parameters
    ----------
    quantity : float
        The figure [unit_text]; finite and not negative.
    unit_text : str
        Its unit, as sent.
    target : str
        The unit wanted.

    Returns
    -------
    float
        The figure [target].

    Raises
    ------
    InvalidQuantityError
        NaN, infinite, negative or not a number (``loc = ("quantity",)``).
    UnknownUnitError, DimensionMismatchError
        As :func:`conversion_factor` (``loc = ("unit",)``).
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int | float | np.number):
        raise InvalidQuantityError("quantity must be a number", ("quantity",))
    value = float(quantity)
    if math.isnan(value):
        raise InvalidQuantityError("quantity must be a number, not NaN", ("quantity",))
    if math.isinf(value):
        raise InvalidQuantityError("quantity must be finite", ("quantity",))
    if value < 0:
        raise InvalidQuantityError("quantity must not be negative", ("quantity",))
    try:
        return value * conversion_factor(unit_text, target)
    except InvalidInput as exc:
        raise type(exc)(exc.msg, ("unit",)) from exc
