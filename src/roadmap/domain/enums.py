"""The closed vocabularies of the domain, with their French labels."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a French label for the screen."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " "))

    @classmethod
    def parse(cls, raw: str, field: str) -> LabelledEnum:
        """Return the member for ``raw`` or raise a French validation error naming ``field``."""
        from roadmap.domain.errors import ValidationError

        try:
            return cls(raw)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValidationError(
                f"valeur « {raw} » inconnue ; attendu : {allowed}", field=field
            ) from None


def label_of(code: str) -> str:
    """The French label of a stored code (as the journal keeps it), or the text unchanged."""
    return _LABELS.get(code, code)


class ServiceKind(LabelledEnum):
    POLITIQUE_DE_LA_VILLE = "politique_de_la_ville"
    DROIT_COMMUN = "droit_commun"
    ETAT = "etat"
    PARTENAIRE = "partenaire"


class Side(LabelledEnum):
    """Which policy a member speaks for in a roadmap."""

    POLITIQUE_DE_LA_VILLE = "politique_de_la_ville"
    DROIT_COMMUN = "droit_commun"
    AUTRE = "autre"


class RoadmapStatus(LabelledEnum):
    ACTIVE = "active"
    ARCHIVEE = "archivee"


class Role(LabelledEnum):
    TRINOME = "trinome"
    CERCLE_ELARGI = "cercle_elargi"
    DIRECTION = "direction"
    LECTEUR = "lecteur"


class ActionStatus(LabelledEnum):
    IDEE = "idee"
    A_LANCER = "a_lancer"
    EN_COURS = "en_cours"
    BLOQUEE = "bloquee"
    TERMINEE = "terminee"
    ABANDONNEE = "abandonnee"

    @property
    def is_open(self) -> bool:
        return self not in (ActionStatus.TERMINEE, ActionStatus.ABANDONNEE)


class Pillar(LabelledEnum):
    COHESION_SOCIALE = "cohesion_sociale"
    CADRE_DE_VIE = "cadre_de_vie"
    EMPLOI_DEVELOPPEMENT_ECONOMIQUE = "emploi_developpement_economique"


class EngagementKind(LabelledEnum):
    BUDGET = "budget"
    ETP = "etp"
    NATURE = "nature"


class JalonKind(LabelledEnum):
    COPIL = "copil"
    COTECH = "cotech"
    ATELIER = "atelier"
    JOURNEE_SPRINT = "journee_sprint"
    JOURNEE_TERRITOIRE = "journee_territoire"
    ECHEANCE_AAP = "echeance_aap"
    AUTRE = "autre"


class JalonStatus(LabelledEnum):
    PREVU = "prevu"
    TENU = "tenu"
    ANNULE = "annule"


class AdjustmentKind(LabelledEnum):
    CONTRAINTE = "contrainte"
    OPPORTUNITE = "opportunite"


class DossierState(LabelledEnum):
    DEPOSE = "depose"
    RECEVABLE = "recevable"
    IRRECEVABLE = "irrecevable"
    EN_INSTRUCTION = "en_instruction"
    AVIS_RENDUS = "avis_rendus"
    DECIDE = "decide"
    NOTIFIE = "notifie"
    BILAN_RECU = "bilan_recu"


class AvisValue(LabelledEnum):
    FAVORABLE = "favorable"
    RESERVE = "reserve"
    DEFAVORABLE = "defavorable"


class DecisionOutcome(LabelledEnum):
    ACCORDE = "accorde"
    ACCORDE_PARTIELLEMENT = "accorde_partiellement"
    REFUSE = "refuse"
    AJOURNE = "ajourne"


class ReleveStatus(LabelledEnum):
    """Follow-up of a decision of the relevé (COPIL/COTECH)."""

    OUVERTE = "ouverte"
    FAITE = "faite"


class CommentKind(LabelledEnum):
    COMMENTAIRE = "commentaire"
    PROPOSITION = "proposition"


_LABELS: dict[str, str] = {
    "politique_de_la_ville": "Politique de la ville",
    "droit_commun": "Droit commun",
    "etat": "État",
    "partenaire": "Partenaire",
    "autre": "Autre",
    "active": "Active",
    "archivee": "Archivée",
    "trinome": "Trinôme",
    "cercle_elargi": "Cercle élargi",
    "direction": "Direction",
    "lecteur": "Lecteur",
    "idee": "Idée",
    "a_lancer": "À lancer",
    "en_cours": "En cours",
    "bloquee": "Bloquée",
    "terminee": "Terminée",
    "abandonnee": "Abandonnée",
    "cohesion_sociale": "Cohésion sociale",
    "cadre_de_vie": "Cadre de vie",
    "emploi_developpement_economique": "Emploi et développement économique",
    "budget": "Budget",
    "etp": "ETP",
    "nature": "En nature",
    "copil": "COPIL",
    "cotech": "COTECH",
    "atelier": "Atelier",
    "journee_sprint": "Journée sprint",
    "journee_territoire": "Journée de territoire",
    "echeance_aap": "Échéance AAP",
    "prevu": "Prévu",
    "tenu": "Tenu",
    "annule": "Annulé",
    "contrainte": "Contrainte",
    "opportunite": "Opportunité",
    "depose": "Déposé",
    "recevable": "Recevable",
    "irrecevable": "Irrecevable",
    "en_instruction": "En instruction",
    "avis_rendus": "Avis rendus",
    "decide": "Décidé",
    "notifie": "Notifié",
    "bilan_recu": "Bilan reçu",
    "favorable": "Favorable",
    "reserve": "Réservé",
    "defavorable": "Défavorable",
    "accorde": "Accordé",
    "accorde_partiellement": "Accordé partiellement",
    "refuse": "Refusé",
    "ajourne": "Ajourné",
    "ouverte": "Ouverte",
    "faite": "Faite",
    "commentaire": "Commentaire",
    "proposition": "Proposition",
}
