"""The gateway's HTTP client for the Bot API: python-telegram-bot's request interface on aiohttp.

python-telegram-bot's default client (httpx) cost about 2 ms of CPU per Bot API call with a
hundred chats at once, most of it in httpcore walking its connection pool and polling every
idle socket on each request; aiohttp took 0.2 ms for the same calls (decision 24). A turn makes
four or five calls (the answer to a button, the edited question, "typing…", the replies), and the
gateway's one process was the stack's ceiling.
"""
from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """`connections` open at most (a request waits up to `pool_timeout` for one); timeouts in
    seconds as python-telegram-bot's own client takes them."""

    def __init__(self, connections: int = 16, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0) -> None:
        self.connections = connections
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # Made here, inside the running event loop the session belongs to.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self.connections))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        write = ((self._media_write_timeout if files else self._write_timeout)
                 if isinstance(write_timeout, DefaultValue) else write_timeout)
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool_timeout if isinstance(pool_timeout, DefaultValue) else pool_timeout
        try:
            async with self._session.request(method, url, data=self._body(request_data, files),
                                             headers={"User-Agent": self.USER_AGENT},
                                             timeout=_timeout(read, write, connect, pool)) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    @staticmethod
    def _body(request_data: RequestData | None, files: dict | None) -> aiohttp.FormData | dict[str, str] | None:
        """Form fields as python-telegram-bot encodes them (values JSON where not plain strings);
        multipart when files go with them (a voice message, a person's data)."""
        if request_data is None:
            return None
        fields = request_data.json_parameters
        if not files:
            return fields
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value)
        for name, (filename, content, mime_type) in files.items():
            form.add_field(name, content, filename=filename, content_type=mime_type)
        return form


def _timeout(read: float | None, write: float | None, connect: float | None, pool: float | None) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts for python-telegram-bot's four. aiohttp has no write timeout and counts
    the wait for a free connection in `connect`: the whole request is bounded by their sum."""
    parts = (read, write, connect, pool)
    total = None if any(part is None for part in parts) else sum(part for part in parts if part is not None)
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)

