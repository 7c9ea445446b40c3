"""Who is calling, and what they may reach."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PARK_MANAGER = "park_manager"
    ENTERPRISE = "enterprise"


@dataclass(frozen=True)
class Principal:
    """The caller behind a token: a role and, for scoped roles, its one park or enterprise."""

    token_id: int
    role: Role
    park_code: str | None = None
    uscc: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def sees_park(self, park_code: str | None) -> bool:
        """Whether the caller may read the park ``park_code``."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.PARK_MANAGER:
            return park_code is not None and park_code == self.park_code
        return False

    def sees_enterprise(self, uscc: str, park_code: str | None) -> bool:
        """Whether the caller may read the enterprise ``uscc`` (in park ``park_code``)."""
        if self.role is Role.ADMIN:
            return True
        if self.role is Role.PARK_MANAGER:
            return park_code is not None and park_code == self.park_code
        return uscc == self.uscc

    def manages_enterprise(self, park_code: str | None) -> bool:
        """Whether the caller may change an enterprise's registry entry or its limits."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.PARK_MANAGER and park_code == self.park_code
