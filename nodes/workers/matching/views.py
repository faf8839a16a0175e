"""Exchanges as the wire carries them, from their rows."""

from __future__ import annotations

from protocols import matching as wire
from storage.models.matching import Exchange, ExchangeLeg


def exchange_view(row: Exchange, legs: list[ExchangeLeg]) -> wire.Exchange:
    return wire.Exchange(
        id=row.id,
        public_id=row.public_id,
        kind=wire.ExchangeKind(row.kind),
        status=wire.ExchangeStatus(row.status),
        score=row.score,
        created_at=row.created_at,
        agreed_at=row.agreed_at,
        completed_at=row.completed_at,
        dissolved_at=row.dissolved_at,
        legs=[
            wire.Leg(
                user_id=leg.user_id,
                gives_item_id=leg.gives_item_id,
                receives_item_id=leg.receives_item_id,
                accepted_at=leg.accepted_at,
                declined_at=leg.declined_at,
                confirmed_at=leg.confirmed_at,
            )
            for leg in legs
        ],
    )
