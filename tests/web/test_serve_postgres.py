"""``roadmap serve`` on PostgreSQL: each session's process takes the person's role.

The server connects with its own role, which was granted the person's role; the process
started for a session asks PostgreSQL for the person's role at connection, so the
database itself (``current_user``) knows who acts, and refuses a role not granted.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL, _asyncpg_url, require_postgres
from tests.web.helpers import clean_env, roadmap, running_server
from tests.web.session_client import WebSession

pytestmark = pytest.mark.postgres


async def test_session_process_acts_as_the_persons_role() -> None:
    require_postgres()
    suffix = uuid.uuid4().hex[:8]
    server_role, person, database = f"web_srv_{suffix}", f"web_p_{suffix}", f"roadmap_w_{suffix}"
    admin = await asyncpg.connect(_asyncpg_url(PG_ADMIN_URL))
    base = PG_ADMIN_URL.rsplit("@", 1)[1].rsplit("/", 1)[0]
    server_url = f"postgres://{server_role}:motdepasse@{base}/{database}"
    try:
        await admin.execute(f"CREATE ROLE {server_role} LOGIN CREATEROLE PASSWORD 'motdepasse'")
        await admin.execute(f'CREATE DATABASE "{database}" OWNER {server_role}')
        # The schema and the demo are created by the server's role (the schema owner, an
        # administrator); the person gets a team role with least privilege (issue 10).
        created = roadmap("--db", server_url, "demo")
        assert created.returncode == 0, created.stderr
        db = await asyncpg.connect(_asyncpg_url(server_url))
        try:
            await db.execute(
                "INSERT INTO person (version, updated_at, updated_by, login, name, email, active)"
                f" VALUES (1, now(), '{server_role}', '{person}', 'Léa Vasseur', '', true)"
            )
        finally:
            await db.close()
        access = roadmap("--db", server_url, "db", "acces", person, "--role", "equipe")
        assert access.returncode == 0, access.stderr
        await admin.execute(f"GRANT {person} TO {server_role}")
        as_person = await asyncpg.connect(
            _asyncpg_url(server_url), server_settings={"role": person}
        )
        try:  # password hashes are the server's alone, even for a team role with psql
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await as_person.fetch("SELECT password_hash FROM acces_web")
        finally:
            await as_person.close()
        password = roadmap(
            "--db",
            server_url,
            "acces",
            "mot-de-passe",
            person,
            "--stdin",
            stdin="un-mot-de-passe-solide\n",
        )
        assert password.returncode == 0, password.stderr

        with running_server(server_url, env=clean_env()) as url:
            session = WebSession(url)
            try:
                assert (await session.login(person, "un-mot-de-passe-solide")).status == 302
                await session.open_app()
                assert await session.wait_for("Connecté : Léa Vasseur")
                db = await asyncpg.connect(_asyncpg_url(server_url))
                try:
                    roles = await db.fetch(
                        "SELECT usename FROM pg_stat_activity WHERE datname = $1", database
                    )
                finally:
                    await db.close()
                assert server_role in {r["usename"] for r in roles}
            finally:
                await session.close()

        # The role setting is PostgreSQL's to grant: not granted, not taken.
        refused = roadmap("--db", server_url, "whoami", env=clean_env(ROADMAP_DB_ROLE="postgres"))
        assert refused.returncode == 4
        assert "postgres" in refused.stderr
        taken = roadmap("--db", server_url, "whoami", env=clean_env(ROADMAP_DB_ROLE=person))
        assert taken.returncode == 0 and person in taken.stdout
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f"DROP ROLE IF EXISTS {person}")
        for level in ("lecteur", "equipe", "admin"):  # the groups `db acces` creates
            await admin.execute(f'DROP ROLE IF EXISTS "{database}_{level}"')
        await admin.execute(f"DROP ROLE IF EXISTS {server_role}")
        await admin.close()
