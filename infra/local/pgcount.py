"""A loopback proxy in front of PostgreSQL that counts round trips, for tests and the benchmark.

Every request cycle of the PostgreSQL wire protocol ends with the server's ReadyForQuery message ('Z'):
one per simple query, one per Sync of the extended protocol (a prepare, a bind-execute, BEGIN, COMMIT,
a pool's reset query). Counting the 'Z' messages the server sends is counting round trips, whatever the
driver does, without touching the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from urllib.parse import urlsplit, urlunsplit

_READY_FOR_QUERY = ord("Z")


class _ServerStream:
    """Parses the server → client byte stream into messages (type byte + int32 length)."""

    def __init__(self, counter: RoundTrips) -> None:
        self.counter = counter
        self.buffer = b""
        self.ssl_answer_pending = False

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if self.ssl_answer_pending and self.buffer[:1] in (b"N", b"S"):
            # The answer to an SSLRequest is one bare byte, without a length.
            self.buffer = self.buffer[1:]
            self.ssl_answer_pending = False
        while len(self.buffer) >= 5:
            kind = self.buffer[0]
            (length,) = struct.unpack("!I", self.buffer[1:5])
            if len(self.buffer) < 1 + length:
                return
            if kind == _READY_FOR_QUERY:
                self.counter.count += 1
            self.buffer = self.buffer[1 + length :]


class RoundTrips:
    """Counts ReadyForQuery messages through the proxy; ``count`` since the last ``reset()``."""

    def __init__(self, target_url: str) -> None:
        self.target_url = target_url
        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self._socket_dir = parts.query  # pgserver URLs may use a unix socket: host=/dir in the query
        self.count = 0
        self._server: asyncio.AbstractServer | None = None
        self.url = ""

    def reset(self) -> None:
        self.count = 0

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        parts = urlsplit(self.target_url)
        auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        query = "&".join(item for item in parts.query.split("&") if item and not item.startswith("host="))
        self.url = urlunsplit((parts.scheme, f"{auth}127.0.0.1:{port}", parts.path, query, ""))
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        host_param = next(
            (item.split("=", 1)[1] for item in self._socket_dir.split("&") if item.startswith("host=")), None
        )
        if host_param and host_param.startswith("/"):
            return await asyncio.open_unix_connection(f"{host_param}/.s.PGSQL.{self._target[1]}")
        return await asyncio.open_connection(*self._target)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await self._open_target()
        stream = _ServerStream(self)

        async def client_to_server() -> None:
            first = True
            while data := await client_reader.read(65536):
                if first and len(data) >= 8 and struct.unpack("!I", data[4:8])[0] == 80877103:
                    stream.ssl_answer_pending = True  # SSLRequest: the server answers one bare byte
                first = False
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()

        async def server_to_client() -> None:
            while data := await server_reader.read(65536):
                stream.feed(data)
                client_writer.write(data)
                await client_writer.drain()
            client_writer.close()

        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await asyncio.gather(client_to_server(), server_to_client())
