"""A scripted browser session over HTTP and the websocket (no browser): login, keys, screen."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.web.helpers import ANSI


class WebSession:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.screen = ""
        self._reader: asyncio.Task[None] | None = None

    async def login(self, login: str, password: str) -> aiohttp.ClientResponse:
        response = await self.http.post(
            f"{self.url}/connexion",
            data={"identifiant": login, "mot_de_passe": password},
            allow_redirects=False,
        )
        await response.read()
        return response

    async def open_app(self, width: int = 120, height: int = 36, extra: str = "") -> None:
        self.ws = await self.http.ws_connect(
            f"{self.url.replace('http', 'ws', 1)}/ws?width={width}&height={height}{extra}",
            origin=self.url,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.screen += ANSI.sub("", message.data.decode("utf-8", "replace"))
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.screen += message.data

    async def wait_for(self, text: str, seconds: float = 30.0, since: int = 0) -> bool:
        deadline = asyncio.get_running_loop().time() + seconds
        while text not in self.screen[since:]:
            if asyncio.get_running_loop().time() > deadline or (
                self._reader is not None and self._reader.done()
            ):
                return False
            await asyncio.sleep(0.1)
        return True

    async def keys(self, data: str) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(["stdin", data]))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.wait([self._reader], timeout=5)
        await self.http.close()
