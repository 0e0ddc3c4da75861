"""Sessions and attempt limits of the web login, with a hand-driven clock."""

from __future__ import annotations

from roadmap.storage.location import parse_location
from roadmap.web.run import warnings_for
from roadmap.web.security import AttemptLimiter, SessionStore
from roadmap.web.server import PersonAppService, ServeSettings, identity_environment


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cookie_names_its_session_and_forgeries_do_not() -> None:
    store = SessionStore(idle_seconds=60)
    session, cookie = store.open("jrey", "127.0.0.1")
    assert store.get(cookie) is session
    token, signature = cookie.rsplit(".", 1)
    assert store.get(f"{token}.{'a' * len(signature)}") is None
    assert store.get(f"{token[:-1]}x.{signature}") is None
    assert store.get(token) is None and store.get("") is None and store.get(None) is None
    # A cookie signed by another server (another secret) is refused too.
    other_cookie = SessionStore(idle_seconds=60).open("jrey", "127.0.0.1")[1]
    assert store.get(other_cookie) is None


def test_idle_sessions_expire_and_activity_keeps_them() -> None:
    clock = Clock()
    store = SessionStore(idle_seconds=60, clock=clock)
    session, cookie = store.open("jrey", "127.0.0.1")
    clock.now += 50
    store.touch(session)
    clock.now += 50
    assert store.get(cookie) is session
    clock.now += 61
    assert store.get(cookie) is None
    assert store.idle_sessions() == [session]
    store.close(session)
    assert len(store) == 0 and store.get_token(session.token) is None


def test_attempt_limiter_blocks_then_forgets() -> None:
    clock = Clock()
    limiter = AttemptLimiter(3, 900, clock=clock)
    for _ in range(3):
        assert limiter.blocked_for("jrey") == 0
        limiter.fail("jrey")
    assert 899 <= limiter.blocked_for("jrey") <= 900
    assert limiter.blocked_for("sgarcia") == 0
    clock.now += 901
    assert limiter.blocked_for("jrey") == 0
    limiter.fail("jrey")
    limiter.succeed("jrey")
    assert limiter.blocked_for("jrey") == 0


def test_identity_comes_from_the_server_environment_only(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sqlite = parse_location(str(tmp_path / "r.db"))
    postgres = parse_location("postgres://serveur@localhost/roadmap")
    depots = tmp_path / "depots"
    web = {"ROADMAP_WEB_DEPOT": str(depots.resolve())}  # a web session: no server paths
    assert identity_environment(sqlite, "jrey", depots) == {"ROADMAP_USER": "jrey", **web}
    assert identity_environment(postgres, "jrey", depots) == {"ROADMAP_DB_ROLE": "jrey", **web}
    # Whatever the server's own environment says, the process gets the session's person.
    monkeypatch.setenv("ROADMAP_USER", "nbenali")
    monkeypatch.setenv("ROADMAP_DB_ROLE", "nbenali")
    monkeypatch.setenv("ROADMAP_WEB_DEPOT", "/")
    service = PersonAppService(
        "true",
        identity={"ROADMAP_USER": "jrey", **web},
        write_bytes=None,
        write_str=None,
        close=None,
        download_manager=None,
    )
    environment = service._build_environment(100, 30)
    assert environment["ROADMAP_USER"] == "jrey" and "ROADMAP_DB_ROLE" not in environment
    assert environment["ROADMAP_WEB_DEPOT"] == str(depots.resolve())
    assert environment["TEXTUAL_DRIVER"].endswith("WebDriver")


def test_exposed_without_tls_is_warned() -> None:
    location = parse_location("/tmp/r.db")
    assert warnings_for(ServeSettings(location=location)) == []
    exposed = warnings_for(ServeSettings(location=location, host="0.0.0.0"))
    assert exposed and "sans TLS" in exposed[0]
    behind_proxy = ServeSettings(
        location=location, host="0.0.0.0", public_url="https://roadmap.example.org"
    )
    assert warnings_for(behind_proxy) == []
