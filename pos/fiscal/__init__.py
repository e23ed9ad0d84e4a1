"""Adapters to fiscal registers (online cash registers), behind pos.core.fiscal.FiscalRegister.

Only the composition root picks one, from [fiscal] provider: `register_for(config)`.
"""

from __future__ import annotations

from pos.config import Fiscal
from pos.core.fiscal import FiscalRegister


def register_for(fiscal: Fiscal) -> FiscalRegister | None:
    """The configured register, or None when [fiscal] provider is "none" (slips stay non-fiscal)."""
    if fiscal.provider == "webkassa":
        from pos.fiscal.webkassa import Webkassa, WebkassaSettings

        return Webkassa(WebkassaSettings.from_config(fiscal))
    return None
