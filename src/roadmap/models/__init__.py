"""Tortoise models, one module per aggregate; this package is the ``roadmap`` app."""

from roadmap.models.access import WebAccess
from roadmap.models.baseline import Baseline, ReleveDecision, ReleveLink
from roadmap.models.instruction import (
    Annotation,
    Avis,
    Campagne,
    CampagneInstructor,
    CampagneRoadmap,
    Decision,
    Dossier,
    DossierInstructor,
    DossierQpv,
    FinancementLine,
)
from roadmap.models.journal import JournalEntry
from roadmap.models.observation import Indicator, IndicatorValue, QualitativeRecord
from roadmap.models.proposition import Proposition, ServiceExport
from roadmap.models.reference import (
    Administrator,
    Instance,
    Person,
    Qpv,
    Service,
    Territoire,
)
from roadmap.models.roadmap import Axe, Membership, Roadmap
from roadmap.models.work import (
    Action,
    ActionContributor,
    ActionQpv,
    Adjustment,
    Comment,
    Dependency,
    Engagement,
    Jalon,
    JalonInvite,
)

__all__ = [
    "Action",
    "ActionContributor",
    "ActionQpv",
    "Adjustment",
    "Administrator",
    "Annotation",
    "Avis",
    "Axe",
    "Baseline",
    "Campagne",
    "CampagneInstructor",
    "CampagneRoadmap",
    "Comment",
    "Decision",
    "Dependency",
    "Dossier",
    "DossierInstructor",
    "DossierQpv",
    "Engagement",
    "FinancementLine",
    "Indicator",
    "IndicatorValue",
    "Instance",
    "Jalon",
    "JalonInvite",
    "JournalEntry",
    "Membership",
    "Person",
    "Proposition",
    "Qpv",
    "QualitativeRecord",
    "ReleveDecision",
    "ReleveLink",
    "Roadmap",
    "Service",
    "ServiceExport",
    "Territoire",
    "WebAccess",
]
