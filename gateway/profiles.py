"""A partner's mapping profile, built from ``[partners.mapping]`` in one place.

Both the command line (``crossdock edi parse --partner``) and the partner's endpoint actor
(parsing what arrived) need the same profile for the same configuration; building it twice
in two ways would let them disagree about what a partner's code means.
"""

from __future__ import annotations

from edge.edi.mapping import MappingProfile, profile_from_tables
from gateway.config import Config, PartnerConfig

__all__ = ["partner_profile", "profile_of"]


def profile_of(partner: PartnerConfig, index: int) -> MappingProfile:
    """The profile of ``partner``, the ``index``-th of the configuration (for error paths).

    Raises ``ConfigError`` naming ``$.partners[index].mapping...`` for a table that does
    not read.
    """
    mapping = partner.mapping
    return profile_from_tables(
        qualifiers=mapping.qualifiers,
        units=mapping.units,
        carriers=mapping.carriers,
        code_lists=mapping.code_lists,
        path=f"$.partners[{index}].mapping",
    )


def partner_profile(config: Config, partner_id: str) -> MappingProfile:
    """The profile of the partner ``partner_id`` (``KeyError`` if there is none)."""
    partner = config.partner(partner_id)
    return profile_of(partner, config.partners.index(partner))
