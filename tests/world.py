"""The test district: two parks and a town, enterprises in each, a token per role.

Parks BEIDU and QIAOHE, the town TOWN_SANJIANG (not a park); enterprises ``a`` (aluminium,
BEIDU), ``b`` (gears, QIAOHE), ``town``, ``outside`` (in no park) and ``small`` (below
designated size, BEIDU); tokens ``admin``, ``pm_beidu``, ``pm_qiaohe``, ``ent_a``, ``ent_b``,
``ent_town``, ``ent_small``. Used by the ``world`` fixture and by module-scoped fixtures and
scripts that build it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from api.auth.principal import Role
from api.auth.tokens import create_token
from api.models import Enterprise, Park
from tests.helpers import make_uscc

PARKS = {"BEIDU": "北渡组团", "QIAOHE": "桥河组团", "TOWN_SANJIANG": "三江街道"}
ENTERPRISES: list[tuple[str, int, str, str | None, str, bool]] = [
    # key, USCC number, name, park, GB/T 4754 class, above designated size
    ("a", 1, "示范铝业", "BEIDU", "3216", True),
    ("b", 2, "示范齿轮", "QIAOHE", "3453", True),
    ("town", 3, "示范食品", "TOWN_SANJIANG", "1391", True),
    ("outside", 4, "示范水泥", None, "3011", True),
    ("small", 5, "示范小厂", "BEIDU", "3399", False),
]


@dataclass
class World:
    """Two parks, a town, enterprises in each, and a token for every role and tenant."""

    engine: Engine
    parks: dict[str, str] = field(default_factory=dict)
    enterprises: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        """Authorization headers of ``who``: admin, pm_beidu, pm_qiaohe, ent_a, ent_b, ent_town."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def token(self, role: Role, park: str | None = None, uscc: str | None = None) -> str:
        with Session(self.engine) as s:
            tok = create_token(s, role, park_code=park, uscc=uscc)
            s.commit()
        return tok


def build_world(engine: Engine) -> World:
    """Parks, enterprises and a token per role, written straight to an empty database."""
    w = World(engine=engine)
    w.parks = dict(PARKS)
    w.enterprises = {key: make_uscc(n) for key, n, *_ in ENTERPRISES}
    with Session(engine) as s:
        for code, name in PARKS.items():
            s.add(Park(code=code, name=name, counts_as_park=not code.startswith("TOWN")))
        s.flush()
        for key, _, name, park, industry, above in ENTERPRISES:
            s.add(
                Enterprise(
                    uscc=w.enterprises[key],
                    name=name,
                    park_code=park,
                    industry_code=industry,
                    above_designated_size=above,
                )
            )
        s.flush()
        w.tokens = {
            "admin": create_token(s, Role.ADMIN),
            "pm_beidu": create_token(s, Role.PARK_MANAGER, park_code="BEIDU"),
            "pm_qiaohe": create_token(s, Role.PARK_MANAGER, park_code="QIAOHE"),
            "ent_a": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["a"]),
            "ent_b": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["b"]),
            "ent_town": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["town"]),
            "ent_small": create_token(s, Role.ENTERPRISE, uscc=w.enterprises["small"]),
        }
        s.commit()
    return w
