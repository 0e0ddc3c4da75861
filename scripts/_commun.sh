# shellcheck shell=bash
# Fonctions partagées par scripts/start et scripts/test (à sourcer, pas à exécuter).
#
# Tout ce dont le projet a besoin est installé ici : l'environnement virtuel Python
# (.venv), le projet et ses dépendances, et les paquets du système listés plus bas.

RACINE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$RACINE/.venv"
PYTHON_SYSTEME="${PYTHON:-python3}"
TAMPON="$VENV/.roadmap-installe"

info() { printf '» %s\n' "$*" >&2; }
echec() {
    printf 'ERREUR : %s\n' "$*" >&2
    exit 1
}

# Exécute une commande en root : directement si on l'est déjà, sinon par sudo sans mot de passe.
en_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

APT_A_JOUR=0
apt_installer() {
    # apt_installer PAQUET... : installe les paquets Debian absents (apt-get update d'abord).
    local manquants=()
    local paquet
    for paquet in "$@"; do
        dpkg -s "$paquet" >/dev/null 2>&1 || manquants+=("$paquet")
    done
    [ "${#manquants[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 \
        || echec "paquets système manquants (${manquants[*]}) et apt-get absent : installez-les à la main"
    info "installation des paquets système : ${manquants[*]}"
    if [ "$APT_A_JOUR" -eq 0 ]; then
        en_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
            || echec "apt-get update a échoué (droits root nécessaires)"
        APT_A_JOUR=1
    fi
    en_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${manquants[@]}" >/dev/null \
        || echec "apt-get install ${manquants[*]} a échoué (droits root nécessaires)"
}

# ---------------------------------------------------------------------------------------
# >>> PAQUETS SYSTÈME DU PROJET <<<
# Ajoutez ici les paquets Debian dont l'application a besoin (ex. graphviz). Ils sont
# installés par scripts/start et scripts/test s'ils manquent. PostgreSQL, utile aux seuls
# tests, est traité à part dans scripts/test.
APT_PAQUETS=()
# ---------------------------------------------------------------------------------------

installer_paquets_systeme() {
    if [ "${#APT_PAQUETS[@]}" -gt 0 ]; then
        apt_installer "${APT_PAQUETS[@]}"
    fi
}

verifier_python() {
    command -v "$PYTHON_SYSTEME" >/dev/null 2>&1 \
        || echec "$PYTHON_SYSTEME introuvable : installez Python 3.11 ou plus récent"
    "$PYTHON_SYSTEME" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || echec "Python 3.11 ou plus récent est nécessaire ($("$PYTHON_SYSTEME" --version 2>&1))"
}

creer_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
        return 0
    fi
    verifier_python
    info "création de l'environnement virtuel $VENV"
    rm -rf "$VENV"
    if ! "$PYTHON_SYSTEME" -m venv "$VENV" 2>/dev/null; then
        # Python de Debian : le module venv est dans un paquet à part.
        rm -rf "$VENV"
        apt_installer python3-venv
        "$PYTHON_SYSTEME" -m venv "$VENV" || echec "impossible de créer $VENV"
    fi
}

empreinte_installation() {
    # Change quand pyproject.toml ou l'interpréteur change : on réinstalle alors.
    {
        cat "$RACINE/pyproject.toml"
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

installer_projet() {
    local empreinte
    empreinte="$(empreinte_installation)"
    if [ -f "$TAMPON" ] && [ "$(cat "$TAMPON")" = "$empreinte" ] && [ -x "$VENV/bin/roadmap" ] \
        && "$VENV/bin/python" -c 'import roadmap' 2>/dev/null; then
        return 0
    fi
    info "installation du projet et de ses dépendances dans $VENV (une minute la première fois)"
    rm -f "$TAMPON"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$RACINE[dev]" \
        || echec "pip install a échoué ; relancez pour réessayer"
    printf '%s\n' "$empreinte" >"$TAMPON"
}

preparer_environnement() {
    installer_paquets_systeme
    creer_venv
    installer_projet
}
