"""Pure pieces: the drop folder's names (no way out of it) and the fates' wording of an
engagement (never a row number)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from roadmap.domain.errors import PermissionDenied, RoadmapError, ValidationError
from roadmap.domain.proposals import (
    engagement_id,
    engagement_of,
    engagement_text,
    engagement_words,
    public_field,
)
from roadmap.exchange import drop
from roadmap.usecases.propositions import field_words


def test_engagement_fates_wording() -> None:
    e = {"nature": "subvention", "montant": "3000", "debut": date(2026, 1, 1),
         "fin": date(2026, 12, 31), "description": "Épicerie solidaire"}  # fmt: skip
    words = "subvention 01/01/2026 → 31/12/2026 « Épicerie solidaire »"
    assert engagement_words(e) == words
    assert engagement_words({"nature": "etp"}) == "etp"
    assert engagement_words(None) == ""
    # the field a service reads: no stored id
    assert [public_field(f) for f in ("montant:12", "retrait_engagement:12", "fin")] == [
        "montant", "retrait_engagement", "fin",
    ]  # fmt: skip
    assert engagement_id("montant:12") == 12 and engagement_id("fin") is None
    # a withdrawal carries the commitment in its base, an addition in its value
    text = engagement_text(e)
    gone = engagement_of("retrait_engagement:12", text, "")
    added = engagement_of("ajout_engagement", "", text)
    assert gone == added and gone is not None and "montant" not in gone
    assert engagement_of("montant:12", "3000", "4000") is None  # looked up by its caller
    assert field_words("retrait_engagement:12", words) == f"retrait de l'engagement {words}"
    assert field_words("montant:12", words) == f"montant de l'engagement {words}"
    assert field_words("montant:12") == "montant d'engagement"
    assert ":" not in field_words("retrait_engagement:12")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "depots" / "sgarcia").mkdir(parents=True)
    (tmp_path / "depots" / "sgarcia" / "caf.toml").write_text("a = 1\n")
    (tmp_path / "secret.toml").write_text("b = 2\n")
    (tmp_path / "depots" / "sgarcia" / "lien.toml").symlink_to(tmp_path / "secret.toml")
    (tmp_path / "depots" / "lien").symlink_to(tmp_path)
    return tmp_path / "depots"


def test_deposits_lists_plain_files_only(root: Path) -> None:
    assert [d.key for d in drop.deposits(root)] == ["sgarcia/caf.toml"]
    assert [d.key for d in drop.deposits(root, "sgarcia")] == ["sgarcia/caf.toml"]
    assert drop.deposits(root, "jrey") == []


@pytest.mark.parametrize(
    "key",
    ["../secret.toml", "/etc/passwd", "sgarcia/../../secret.toml", "sgarcia/lien.toml",
     "lien/secret.toml", "jrey/caf.toml", "caf.toml", "sgarcia/.caf.toml", "../depots/x",
     "sgarcia/sub/caf.toml", str(Path.cwd() / "x.toml")],
)  # fmt: skip
def test_resolve_refuses_every_way_out(root: Path, key: str) -> None:
    with pytest.raises(ValidationError):
        drop.resolve(root, key)


def test_received_deposits_leave_the_list(root: Path) -> None:
    drop.mark_received(drop.resolve(root, "sgarcia/caf.toml"))
    assert drop.deposits(root) == []
    assert [d.name for d in drop.received(root, "sgarcia")] == ["caf.toml"]
    assert drop.received(root, "../x") == [] and drop.deposits(root, "../x") == []
    with pytest.raises(ValidationError):
        drop.resolve(root, "sgarcia/recus")


def test_resolve_and_guard(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = drop.resolve(root, "sgarcia/caf.toml")
    assert path == root / "sgarcia" / "caf.toml"
    drop.guard_read(root.parent / "secret.toml")  # outside a web session: no rule
    monkeypatch.setenv(drop.ENV, str(root))
    drop.guard_read(path)
    for outside in (root.parent / "secret.toml", root / "sgarcia" / "lien.toml"):
        with pytest.raises(PermissionDenied):
            drop.guard_read(outside)
    assert "Fichiers de mon service" in drop.refuse_in_web("x", "Fichiers de mon service")
    monkeypatch.delenv(drop.ENV)
    assert drop.refuse_in_web("x", "y") == ""


@pytest.mark.parametrize(
    "name", ["../x.toml", "a/b.toml", "a\\b.toml", ".x.toml", "x.txt", "x", "...toml", ""]
)
def test_upload_names(name: str) -> None:
    with pytest.raises(RoadmapError):
        drop.upload_name(name)


def test_upload_checks_and_store(tmp_path: Path) -> None:
    assert drop.upload_name("caf.toml") == "caf.toml"
    with pytest.raises(ValidationError, match="trop gros"):
        drop.check_toml(b"a = 1\n", max_bytes=3)
    with pytest.raises(ValidationError, match="TOML invalide"):
        drop.check_toml(b"a = ")
    stored = drop.store(tmp_path / "d" / "sgarcia", "caf.toml", b"a = 1\n")
    assert stored.read_bytes() == b"a = 1\n" and stored.stat().st_mode & 0o077 == 0
    assert (tmp_path / "d" / "sgarcia").stat().st_mode & 0o077 == 0
    with pytest.raises(PermissionDenied):
        drop.person_folder(tmp_path, "../jrey")
