"""manifest.read parses the file list of its own rendering without tomllib (issue 15):
whatever the text, the result is tomllib's, or the same refusal."""

from __future__ import annotations

import tomllib

import pytest

from roadmap.exchange import manifest as mf

DIGEST = "sha256:" + "ab" * 32


def _rendered(count: int) -> str:
    files = {f"services/s{i}.toml": mf.FileEntry(1000 + i, DIGEST) for i in range(count)}
    files["feuille.toml"] = mf.FileEntry(0, DIGEST)
    manifest = mf.Manifest({"dernier": 7, "nombre": 7}, mf.ALL, {"ics": False}, files)
    return mf.render(manifest).decode()


def _same_as_tomllib(text: str) -> None:
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        with pytest.raises(tomllib.TOMLDecodeError):
            mf._parse(text)
        return
    assert mf._parse(text) == expected


def test_rendered_manifests_read_as_tomllib_reads_them() -> None:
    for count in (0, 1, 340):
        _same_as_tomllib(_rendered(count))


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t + "\n[autre]\ncle = 1\n",
        lambda t: t.replace('chemin = "feuille.toml"', 'chemin = "feu\\u0069lle.toml"'),
        lambda t: t.replace("octets = 0\n", "octets = 00\n"),
        lambda t: t.replace("octets = 1000\n", "octets = 1_000\n"),
        lambda t: t.replace("[journal]", "fichiers = []\n[journal]"),
        lambda t: t.replace("schema_version = ", "schema_version == "),
        lambda t: t + "[[fichiers]]\nchemin = 3\n",
        lambda t: t.rstrip("\n"),
    ],
)
def test_any_other_text_reads_as_tomllib_reads_it(edit) -> None:  # type: ignore[no-untyped-def]
    _same_as_tomllib(edit(_rendered(3)))
