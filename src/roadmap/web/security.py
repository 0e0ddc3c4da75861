"""Sessions in signed cookies, and limits on failed logins. Pure: no web framework here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE_NAME = "roadmap_session"


@dataclass
class Session:
    """A logged-in person; the token only lives in the server and in an HttpOnly cookie."""

    token: str
    login: str
    address: str
    started: float
    last_seen: float
    processes: int = 0
    closers: list[Callable[[], object]] = field(default_factory=list)


class SessionStore:
    """Server-side sessions keyed by a random token; the cookie carries token + HMAC."""

    def __init__(self, *, idle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._secret = secrets.token_bytes(32)
        self._sessions: dict[str, Session] = {}
        self.idle_seconds = idle_seconds
        self._clock = clock

    def _sign(self, token: str) -> str:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()

    def open(self, login: str, address: str) -> tuple[Session, str]:
        """A new session and the cookie value that names it."""
        token = secrets.token_urlsafe(32)
        moment = self._clock()
        session = Session(
            token=token, login=login, address=address, started=moment, last_seen=moment
        )
        self._sessions[token] = session
        return session, f"{token}.{self._sign(token)}"

    def form_token(self, session: Session) -> str:
        """The hidden field of a form that changes something: bound to the session, so a
        page of another site cannot post it (besides SameSite and the Origin check)."""
        return self._sign(f"formulaire:{session.token}")

    def check_form_token(self, session: Session, value: str) -> bool:
        return hmac.compare_digest(value.encode(), self.form_token(session).encode())

    def get(self, cookie: str | None) -> Session | None:
        """The live session a cookie names; None for a forged, unknown or idle one."""
        if not cookie or "." not in cookie:
            return None
        token, signature = cookie.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign(token)):
            return None
        session = self._sessions.get(token)
        if session is None or self.expired(session):
            return None
        return session

    def get_token(self, token: str) -> Session | None:
        """The live session of a token the server already holds (no cookie to check)."""
        session = self._sessions.get(token)
        return None if session is None or self.expired(session) else session

    def touch(self, session: Session) -> None:
        session.last_seen = self._clock()

    def expired(self, session: Session) -> bool:
        return self._clock() - session.last_seen > self.idle_seconds

    def close(self, session: Session) -> None:
        self._sessions.pop(session.token, None)

    def idle_sessions(self) -> list[Session]:
        return [s for s in self._sessions.values() if self.expired(s)]

    def __len__(self) -> int:
        return len(self._sessions)


class AttemptLimiter:
    """At most ``limit`` failures per key within ``window`` seconds (per login, per address)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        horizon = self._clock() - self.window
        while times and times[0] < horizon:
            times.popleft()
        return times

    def blocked_for(self, key: str) -> float:
        """Seconds before ``key`` may try again (0 when it may now)."""
        times = self._recent(key)
        if len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + self.window - self._clock())

    def fail(self, key: str) -> None:
        self._recent(key).append(self._clock())

    def succeed(self, key: str) -> None:
        self._failures.pop(key, None)
