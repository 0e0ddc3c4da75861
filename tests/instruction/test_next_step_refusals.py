"""Refusals name the next possible step (pure rules; the use cases raise these texts)."""

from __future__ import annotations

from roadmap.domain.enums import DossierState as S
from roadmap.domain.instruction import avis_refusal, decision_refusal


def test_avis_refusal_points_to_the_next_step() -> None:
    assert avis_refusal(S.EN_INSTRUCTION) == ""
    assert "« Recevable » puis « En instruction »" in avis_refusal(S.DEPOSE)
    assert "révisez la décision" in avis_refusal(S.DECIDE)


def test_deciding_a_decided_dossier_points_to_the_revision() -> None:
    assert decision_refusal(S.AVIS_RENDUS) == ""
    message = decision_refusal(S.DECIDE)
    assert message.startswith("ce dossier est déjà décidé")
    assert "révisez la décision" in message and "--revision" in message
