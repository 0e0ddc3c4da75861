"""``roadmap serve``: the same Textual application in a browser, behind a login.

Not part of the core: it may import aiohttp and textual-serve. Who the person is reaches
each application process from the server (its environment), never from the browser.
"""
