"""The few HTML pages around the application: login, invitation, files, the terminal page.

Plain strings with every value escaped: no template engine, no external font or script
(office networks block them), French text, readable without colour.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:system-ui,"Marianne",Arial,sans-serif;background:#f6f6f6;color:#161616;margin:0}
main{max-width:32rem;margin:4rem auto;background:#fff;padding:2rem;border-top:4px solid #000091}
h1{font-size:1.5rem;margin-top:0}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box;border:1px solid #3a3a3a}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem;background:#000091;color:#fff;
border:0;cursor:pointer}.erreur{border-left:4px solid #e1000f;background:#fee;padding:.75rem}
.info{border-left:4px solid #000091;background:#eef;padding:.75rem}
a{color:#000091}ul{padding-left:1.2rem}li{margin:.4rem 0}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — Feuille de route partagée</title><style>{_STYLE}</style>"
        f"</head><body><main>{body}</main></body></html>"
    )


def _notice(error: str = "", info: str = "") -> str:
    html = ""
    if error:
        html += f'<p class="erreur" role="alert" id="erreur">{escape(error)}</p>'
    if info:
        html += f'<p class="info" role="status" id="info">{escape(info)}</p>'
    return html


def login_page(*, error: str = "", info: str = "", login: str = "") -> str:
    return _page(
        "Connexion",
        "<h1>Feuille de route partagée</h1><p>Connectez-vous pour ouvrir l'application.</p>"
        + _notice(error, info)
        + '<form method="post" action="/connexion">'
        '<label for="identifiant">Identifiant</label>'
        f'<input id="identifiant" name="identifiant" autocomplete="username" required '
        f'value="{escape(login)}">'
        '<label for="mot_de_passe">Mot de passe</label>'
        '<input id="mot_de_passe" name="mot_de_passe" type="password" '
        'autocomplete="current-password" required>'
        '<button type="submit" id="se-connecter">Se connecter</button></form>'
        "<p><small>Mot de passe oublié : demandez une nouvelle invitation à l'administrateur "
        "de la feuille de route.</small></p>",
    )


def invitation_page(token: str, login: str, *, error: str = "") -> str:
    return _page(
        "Choisir un mot de passe",
        f"<h1>Bienvenue, {escape(login)}</h1><p>Choisissez votre mot de passe "
        "(10 caractères au moins). Ce lien ne sert qu'une fois.</p>"
        + _notice(error)
        + f'<form method="post" action="/invitation/{escape(token)}">'
        '<label for="mot_de_passe">Mot de passe</label>'
        '<input id="mot_de_passe" name="mot_de_passe" type="password" '
        'autocomplete="new-password" required>'
        '<label for="confirmation">Confirmation</label>'
        '<input id="confirmation" name="confirmation" type="password" '
        'autocomplete="new-password" required>'
        '<button type="submit">Enregistrer</button></form>',
    )


def message_page(title: str, text: str, *, link: tuple[str, str] = ("/", "Retour")) -> str:
    href, label = link
    return _page(
        title,
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p>"
        f'<p><a href="{escape(href)}">{escape(label)}</a></p>',
    )


def files_page(
    login: str,
    service: str,
    files: list[tuple[str, str]],
    *,
    csrf: str = "",
    deposits: list[str] | None = None,
    max_kb: int = 2048,
    error: str = "",
    info: str = "",
) -> str:
    """``files``: (download path, label) pairs for the person's service; then the form to
    send a returned file back, and the person's own deposits."""
    if files:
        items = "".join(
            f'<li><a href="{escape(href)}" download>{escape(label)}</a></li>'
            for href, label in files
        )
        listing = f"<ul>{items}</ul>"
    else:
        listing = "<p>Aucun fichier pour votre service.</p>"
    mine = "".join(f"<li>{escape(label)}</li>" for label in deposits or [])
    return _page(
        "Fichiers de mon service",
        f"<h1>Fichiers du service {escape(service)}</h1>"
        f"<p>Connecté : {escape(login)}. Fichiers TOML produits à la demande depuis les "
        "données à jour (format : docs/export-format.md).</p>"
        f"{listing}"
        '<h2 id="renvoyer">Renvoyer un fichier</h2>'
        "<p>Le fichier de votre service, modifié (dates, statut, engagements, contacts…) : "
        "chaque modification deviendra une proposition que le trinôme accepte ou refuse. "
        f"Fichier .toml, {max_kb} Ko au plus.</p>"
        + _notice(error, info)
        + '<form method="post" action="/renvoi" enctype="multipart/form-data">'
        f'<input type="hidden" name="jeton" value="{escape(csrf)}">'
        '<label for="fichier">Fichier renvoyé (.toml)</label>'
        '<input id="fichier" name="fichier" type="file" accept=".toml" required>'
        '<button type="submit" id="renvoyer-fichier">Renvoyer</button></form>'
        + (f'<h2>Mes dépôts</h2><ul id="depots">{mine}</ul>' if mine else "")
        + '<p><a href="/">Retour à l\'application</a></p>',
    )


def app_page(*, websocket_url: str, login: str, font_size: int = 16) -> str:
    """The terminal page: textual-serve's client script, a thin bar with logout and files."""
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Feuille de route partagée — {escape(login)}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<script src="/static/js/textual.js"></script>
<style>
body{{margin:0;background:#0c181f;font-family:system-ui,Arial,sans-serif}}
#barre{{height:28px;display:flex;gap:1.5rem;align-items:center;padding:0 .75rem;
background:#000091;color:#fff;font-size:14px}}
#barre a,#barre button{{color:#fff;background:none;border:0;font-size:14px;cursor:pointer;
text-decoration:underline;padding:0}}#barre form{{margin:0 0 0 auto}}
body .textual-terminal{{width:100vw;height:calc(100vh - 28px)}}
.fin{{display:none;color:#fff;padding:2rem}}body.-closed .fin{{display:block}}
</style></head><body>
<div id="barre"><span>Feuille de route partagée — {escape(login)}</span>
<a href="/fichiers">Fichiers de mon service</a>
<form method="post" action="/deconnexion"><button type="submit" id="se-deconnecter">
Se déconnecter</button></form></div>
<div class="fin" role="status">Session terminée. <a href="/">Rouvrir</a></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{escape(websocket_url)}"
 data-font-size="{font_size}"></div>
</body></html>"""
