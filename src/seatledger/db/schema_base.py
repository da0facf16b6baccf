"""The ledger's one ``MetaData`` and the column shapes its tables share. Every ``tables*``
module builds on this and none imports another, so ``db/tables.py`` can gather them all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, MetaData

__all__ = ["id_column", "metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def id_column() -> Column[Any]:
    """The surrogate key most tables start with."""
    return Column("id", Integer, primary_key=True, autoincrement=True)
