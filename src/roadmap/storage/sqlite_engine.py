"""A Tortoise SQLite backend whose transactions start with ``BEGIN IMMEDIATE``.

Tortoise opens transactions with a plain ``BEGIN``: a transaction that reads then
writes gets SQLITE_BUSY at once when another process holds the write lock, whatever
busy_timeout says. ``BEGIN IMMEDIATE`` takes the lock up front, so busy_timeout applies.

Tortoise also takes its connection lock, then opens the file (or begins): when that
fails (a full disk while creating the WAL, a BEGIN that times out) the lock is never
released and every later query waits forever. Here a failure releases it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from tortoise.backends.base.client import ConnectionWrapper, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class _ReleasingConnectionWrapper(ConnectionWrapper):  # type: ignore[type-arg]
    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class _ReleasingTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> Any:
        await self._trxlock.acquire()
        token = None
        try:
            await self.ensure_connection()
            token = self.token = get_connections().set(self.connection_name, self.connection)
            await self.connection.begin()
        except BaseException:
            if token is not None:
                get_connections().reset(token)
            self._trxlock.release()
            raise
        return self.connection


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return _ReleasingTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    def acquire_connection(self) -> ConnectionWrapper:  # type: ignore[type-arg]
        return _ReleasingConnectionWrapper(self._lock, self)

    async def create_connection(self, with_db: bool) -> None:
        try:
            await super().create_connection(with_db)
        except BaseException:
            # a half-open connection (file created, a PRAGMA failed) is closed, not reused
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.close()
                self._connection = None
            raise


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict) -> type[SqliteClient]:
    return ImmediateSqliteClient
