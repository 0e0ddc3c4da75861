"""Every refusal of a role names the next possible step, whatever the door."""

from __future__ import annotations

import pytest

from roadmap.domain import validation as v
from roadmap.domain.enums import Role
from roadmap.domain.errors import ValidationError
from roadmap.domain.permissions import Capability, refusal


@pytest.mark.parametrize("role", [None, *Role])
@pytest.mark.parametrize("capability", list(Capability))
def test_each_role_refusal_names_what_to_do_instead(
    role: Role | None, capability: Capability
) -> None:
    text = refusal(role, capability, roadmap="essai")
    if not text:
        return  # allowed
    assert "demande le rôle" in text
    step = text.split(" ; ", 1)[1]
    assert any(w in step for w in ("demandez", "proposez", "direction")), text


def test_a_too_short_reason_says_so() -> None:
    with pytest.raises(ValidationError, match="« x » est trop court"):
        v.reason("x")
    with pytest.raises(ValidationError, match="motif est obligatoire"):
        v.reason("")
