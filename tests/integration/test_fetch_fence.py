"""The outbound fetch fence (G13): hostile URLs are refused before any connect, allowed ones still work.

Nothing here can leave the machine: every fetch gets a stub resolver and a recording network backend
that really connects only to loopback (the test's own aiohttp servers) and answers "public" addresses
from a script, and a guard on ``socket.connect`` refuses (and records) anything but loopback.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import pytest
from aiohttp import web

from creativebot import fetch
from creativebot.fetch import FetchPolicy, FetchRefused, fetch_bytes

PUBLIC_IP = "93.184.216.34"
PUBLIC_IP_2 = "93.184.216.35"
PUBLIC_IP6 = "2606:2800:220:1:248:1893:25c8:1946"
MB = 1024 * 1024


# --- Stubs ----------------------------------------------------------------------------------------


class StubResolver:
    """Answers from a table and records every question; an unknown name does not resolve.

    ``rebinding`` names get one answer per question, in order (a DNS rebinding attack).
    """

    def __init__(
        self,
        table: Mapping[str, Sequence[str]] | None = None,
        *,
        rebinding: Mapping[str, Sequence[Sequence[str]]] | None = None,
    ) -> None:
        self.table = dict(table or {})
        self.rounds = {name: list(rounds) for name, rounds in (rebinding or {}).items()}
        self.calls: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        if self.rounds.get(host):
            return list(self.rounds[host].pop(0))
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.table[host])


class ScriptedStream(httpcore.AsyncNetworkStream):
    """A "remote server" that answers one canned HTTP response and records what it was sent."""

    def __init__(self, response: bytes, backend: RecordingBackend) -> None:
        self._pending = response
        self._backend = backend
        self.sent = bytearray()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        chunk, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
        return chunk

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.sent += buffer
        self._backend.requests.append(bytes(buffer))

    async def aclose(self) -> None:
        return None

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        self._backend.tls_names.append(server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        return None


@dataclass
class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The inner backend: records every connect; loopback is real, scripted IPs answer, the rest fail."""

    scripted: dict[str, list[bytes]] = field(default_factory=dict)
    loopback: bool = True
    connects: list[tuple[str, int]] = field(default_factory=list)
    tls_names: list[str | None] = field(default_factory=list)
    requests: list[bytes] = field(default_factory=list)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if self.scripted.get(host):
            return ScriptedStream(self.scripted[host].pop(0), self)
        if self.loopback and ipaddress.ip_address(host).is_loopback:
            return await httpcore.AnyIOBackend().connect_tcp(host, port, timeout=timeout)
        raise httpcore.ConnectError(f"stub backend: no route to {host}")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("the fence must never open a unix socket")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def http_response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture(autouse=True)
def socket_attempts(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Last line of defence: any socket connect to a non-loopback address fails and is recorded."""
    attempts: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def loopback(address: Any) -> bool:
        attempts.append(address)
        try:
            return isinstance(address, tuple) and ipaddress.ip_address(address[0]).is_loopback
        except ValueError:
            return False

    def connect(self: socket.socket, address: Any) -> None:
        if not loopback(address):
            raise PermissionError(f"test guard: connect to {address!r} is not allowed")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not loopback(address):
            raise PermissionError(f"test guard: connect to {address!r} is not allowed")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempts


@pytest.fixture
def refusals(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []

    def record(event: str, **fields: Any) -> None:
        lines.append({"event": event, **fields})

    monkeypatch.setattr(fetch, "log_event", record)
    return lines


# --- A loopback test server -----------------------------------------------------------------------


async def _drip(response: web.StreamResponse, interval: float, count: int) -> None:
    for _ in range(count):
        try:
            await response.write(b"x")
        except ConnectionError:
            return  # the client hung up: what the fence is meant to do
        await asyncio.sleep(interval)


def _app(events: list[str]) -> web.Application:
    async def file(request: web.Request) -> web.Response:
        events.append(request.path_qs)
        return web.Response(body=b"hello fence", content_type="image/png")

    async def exact(request: web.Request) -> web.Response:
        return web.Response(body=b"e" * int(request.query["n"]))

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to refuse early on
        await response.prepare(request)
        for _ in range(64):
            try:
                await response.write(b"b" * 64 * 1024)
            except ConnectionError:
                break
            events.append("big-chunk")
        return response

    async def declared(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 50 * MB
        await response.prepare(request)
        await _drip(response, 0.2, 25)
        return response

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await _drip(response, 0.5, 20)
        return response

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), body=b"nope")

    async def redirect(request: web.Request) -> web.Response:
        hops = int(request.match_info["n"])
        events.append(f"redirect/{hops}")
        if hops == 0:
            return web.Response(body=b"landed")
        return web.Response(status=302, headers={"Location": f"/redirect/{hops - 1}"})

    async def to(request: web.Request) -> web.Response:
        hops = int(request.query.get("n", "0"))
        target = request.query["u"]
        if hops > 0:
            return web.Response(status=307, headers={"Location": f"/to?n={hops - 1}&u={_quote(target)}"})
        return web.Response(status=302, headers={"Location": target})

    async def no_location(request: web.Request) -> web.Response:
        return web.Response(status=302)

    app = web.Application()
    app.router.add_get("/file", file)
    app.router.add_get("/a/{name}", file)
    app.router.add_get("/exact", exact)
    app.router.add_get("/big", big)
    app.router.add_get("/declared", declared)
    app.router.add_get("/drip", drip)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/to", to)
    app.router.add_get("/no-location", no_location)
    return app


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@dataclass
class Server:
    port: int
    events: list[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def policy(self) -> FetchPolicy:
        return FetchPolicy(allowed_http_hosts=frozenset({f"127.0.0.1:{self.port}"}))


async def _serve(
    app: web.Application, ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    return runner, int(runner.addresses[0][1])


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    events: list[str] = []
    runner, port = await _serve(_app(events))
    try:
        yield Server(port, events)
    finally:
        await runner.cleanup()


# --- The hostile corpus ---------------------------------------------------------------------------

ALLOWED = "127.0.0.1:18080"  # the operator's one trusted http host:port in the corpus tests
CORPUS_POLICY = FetchPolicy(allowed_http_hosts=frozenset({ALLOWED}))

# Refused from the URL alone: not even the resolver is asked.
LITERAL_OR_SYNTAX = [
    # loopback, v4 and v6, in every spelling
    "https://127.0.0.1/",
    "https://127.0.0.1:443/latest",
    "https://127.255.255.254/",
    "https://[::1]/",
    "https://[0:0:0:0:0:0:0:1]/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0x7f.0.0.1/",
    "https://0177.0.0.1/",
    "https://0177.0.0.01/",
    "https://127.1/",
    "https://127.0.1/",
    "https://0x7f.1/",
    "https://127.0.0.1./",
    "https://１２７．０．０．１/",
    "https://localhost/",
    "https://LOCALHOST./",
    "https://foo.localhost/",
    # unspecified and "this network"
    "https://0.0.0.0/",
    "https://0/",
    "https://[::]/",
    # cloud metadata and other link-local
    "https://169.254.169.254/latest/meta-data/",
    "https://2852039166/latest/meta-data/",
    "https://0xa9fea9fe/",
    "https://0251.0376.0251.0376/",
    "https://169.254.170.2/v2/credentials",
    "https://169.254.1.1/",
    "https://100.100.100.200/latest/meta-data",
    "https://168.63.129.16/machine",
    "https://[fd00:ec2::254]/latest/meta-data/",
    # RFC 1918, CGNAT
    "https://10.0.0.1/",
    "https://10.1/",
    "https://172.16.0.1/",
    "https://172.31.255.255/",
    "https://192.168.1.1/",
    "https://3232235777/",
    "https://100.64.0.1/",
    "https://100.127.255.254/",
    # multicast, reserved, broadcast, benchmarking, documentation, IETF
    "https://224.0.0.1/",
    "https://239.255.255.250/",
    "https://240.0.0.1/",
    "https://255.255.255.255/",
    "https://198.18.0.1/",
    "https://192.0.2.10/",
    "https://203.0.113.7/",
    "https://192.0.0.8/",
    # IPv6 forms that embed a private IPv4, and other non-public IPv6
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:169.254.169.254]/",
    "https://[::ffff:10.0.0.1]/",
    "https://[::127.0.0.1]/",
    "https://[::a9fe:a9fe]/",
    "https://[2002:7f00:1::]/",
    "https://[2002:a9fe:a9fe::1]/",
    "https://[64:ff9b::a9fe:a9fe]/",
    "https://[64:ff9b::10.0.0.1]/",
    "https://[fc00::1]/",
    "https://[fd12:3456::1]/",
    "https://[fe80::1]/",
    "https://[fe80::1%25eth0]/",
    "https://[ff02::1]/",
    "https://[2001:db8::1]/",
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
    # not https, or not port 443, on hosts nobody listed
    "http://example.com/file.png",
    "http://93.184.216.34/file.png",
    "http://127.0.0.1:18081/",
    "http://127.0.0.2:18080/",
    "http://localhost:18080/",
    "https://example.com:8443/file.png",
    "https://example.com:80/",
    "https://example.com:22/",
    "https://example.com:0/",
    "https://example.com:99999/",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://example.com/file.png",
    "data:image/png;base64,iVBORw0KGgo=",
    "dict://127.0.0.1:11211/stats",
    "ldap://127.0.0.1/",
    "javascript:alert(1)",
    "//example.com/file.png",
    "example.com/file.png",
    # userinfo and parser confusion
    "https://user@example.com/",
    "https://user:pass@example.com/",
    "https://example.com@169.254.169.254/",
    "https://example.com\\@169.254.169.254/",
    "https://example.com\\.169.254.169.254/",
    "https://exa mple.com/",
    "https://example.com/\r\nHost: 169.254.169.254",
    "https://%31%32%37.0.0.1/",
    "https://1.2.3.256/",
    "https://0x100000000/",
    "https://1.2.3.4.5/",
    "https://08.0.0.1/",
    "https:///file.png",
]

# Names whose stub answers point inward (or nowhere): refused after resolving, before connecting.
RESOLVES = {
    "inward.example.com": ["10.0.0.5"],
    "meta.example.com": ["169.254.169.254"],
    "meta6.example.com": ["fd00:ec2::254"],
    "loop.example.com": ["127.0.0.1"],
    "loop6.example.com": ["::1"],
    "zero.example.com": ["0.0.0.0"],  # noqa: S104 - an answer, not a bind
    "cgnat.example.com": ["100.64.1.2"],
    "mapped.example.com": ["::ffff:192.168.0.1"],
    "nat64.example.com": ["64:ff9b::c0a8:1"],
    "sixtofour.example.com": ["2002:c0a8:101::1"],
    "ula.example.com": ["fd00::1"],
    "linklocal6.example.com": ["fe80::1"],
    "mixed.example.com": [PUBLIC_IP, "192.168.1.1"],
    "mixed-last.example.com": [PUBLIC_IP, PUBLIC_IP_2, "127.0.0.1"],
    "mixed6.example.com": [PUBLIC_IP6, "fc00::2"],
    "empty.example.com": [],
    "garbage.example.com": ["not-an-address"],
    "metadata.google.internal": [PUBLIC_IP],
}
RESOLVED_INWARD = [f"https://{name}/file.png" for name in RESOLVES] + ["https://nxdomain.example.com/x"]


@pytest.mark.parametrize("url", LITERAL_OR_SYNTAX)
async def test_hostile_urls_are_refused_before_resolving_or_connecting(
    url: str, socket_attempts: list[Any], refusals: list[dict[str, Any]]
) -> None:
    # Given: a fence whose resolver and backend record everything
    resolver, backend = StubResolver({"example.com": [PUBLIC_IP]}), RecordingBackend()
    # When: the hostile URL is fetched
    with pytest.raises(FetchRefused) as refused:
        await fetch_bytes(
            url,
            policy=CORPUS_POLICY,
            max_bytes=MB,
            deadline_sec=2,
            resolver=resolver,
            network_backend=backend,
        )
    # Then: refused on sight, nothing resolved, nothing connected, and one log line without the query
    assert resolver.calls == []
    assert backend.connects == []
    assert socket_attempts == []
    assert refused.value.reason
    assert [line["event"] for line in refusals] == ["FETCH_REFUSED"]
    assert "meta-data" not in str(refusals) and "credentials" not in str(refusals)


@pytest.mark.parametrize("url", RESOLVED_INWARD)
async def test_names_resolving_inward_are_refused_before_connecting(
    url: str, socket_attempts: list[Any]
) -> None:
    # Given: a resolver whose answers for these names point inward, at nothing, or at a mix
    resolver, backend = StubResolver(RESOLVES), RecordingBackend()
    # When
    with pytest.raises(FetchRefused):
        await fetch_bytes(
            url,
            policy=CORPUS_POLICY,
            max_bytes=MB,
            deadline_sec=2,
            resolver=resolver,
            network_backend=backend,
        )
    # Then: the name was resolved (except reserved names) but nothing was connected to
    assert backend.connects == []
    assert socket_attempts == []
    assert len(resolver.calls) <= 1


def test_the_corpus_is_big_enough() -> None:
    assert len(LITERAL_OR_SYNTAX) + len(RESOLVED_INWARD) + len(REDIRECT_TARGETS) >= 50
    assert len(set(LITERAL_OR_SYNTAX)) == len(LITERAL_OR_SYNTAX)


# --- Redirects to inward targets --------------------------------------------------------------------

REDIRECT_TARGETS = [
    "http://169.254.169.254/latest/meta-data",
    "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "//169.254.169.254/latest/meta-data",
    "https://10.0.0.1/",
    "http://10.0.0.1/",
    "https://[::1]/",
    "https://[fd00:ec2::254]/latest/meta-data",
    "https://[::ffff:169.254.169.254]/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://inward.example.com/",
    "https://mixed.example.com/",
    "http://127.0.0.1:{other}/file",
    "http://localhost:{port}/file",
    "http://user@127.0.0.1:{port}/file",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "/\\169.254.169.254/",
]


@pytest.mark.parametrize("target", REDIRECT_TARGETS)
@pytest.mark.parametrize("hops_before", [0, 2])
async def test_redirects_from_an_allowed_server_to_inward_targets_are_refused(
    server: Server, target: str, hops_before: int, socket_attempts: list[Any]
) -> None:
    # Given: the operator's allowed server answers with a redirect (after 0 or 2 harmless hops)
    location = target.format(port=server.port, other=server.port + 1)
    url = f"{server.base}/to?n={hops_before}&u={_quote(location)}"
    resolver, backend = StubResolver(RESOLVES), RecordingBackend()
    # When
    with pytest.raises(FetchRefused) as refused:
        await fetch_bytes(
            url,
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=resolver,
            network_backend=backend,
        )
    # Then: the fence only ever connected to the allowed server
    assert backend.connects and set(backend.connects) == {("127.0.0.1", server.port)}
    assert {address[:2] for address in socket_attempts} == {("127.0.0.1", server.port)}
    assert "redirects" not in refused.value.reason


async def test_a_five_hop_redirect_chain_is_cut_off(server: Server) -> None:
    backend = RecordingBackend()
    with pytest.raises(FetchRefused, match="more than 3 redirects"):
        await fetch_bytes(
            f"{server.base}/redirect/5",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=StubResolver(),
            network_backend=backend,
        )
    assert server.events == ["redirect/5", "redirect/4", "redirect/3", "redirect/2"]


async def test_a_redirect_without_location_is_refused(server: Server) -> None:
    with pytest.raises(FetchRefused, match="without a Location"):
        await fetch_bytes(
            f"{server.base}/no-location",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )


# --- What still works -------------------------------------------------------------------------------


async def test_an_allowed_http_loopback_server_returns_the_body(server: Server) -> None:
    backend = RecordingBackend()
    body = await fetch_bytes(
        f"{server.base}/file?sig=abc",
        policy=server.policy,
        max_bytes=MB,
        deadline_sec=3,
        resolver=StubResolver(),
        network_backend=backend,
    )
    assert body == b"hello fence"
    assert server.events == ["/file?sig=abc"]
    assert backend.connects == [("127.0.0.1", server.port)]


async def test_odd_spellings_of_an_allowed_host_reach_the_same_server(server: Server) -> None:
    for url in (f"http://2130706433:{server.port}/file", f"http://0x7f.1:{server.port}/file"):
        body = await fetch_bytes(
            url,
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )
        assert body == b"hello fence"


async def test_a_redirect_within_allowed_hosts_is_followed(server: Server) -> None:
    body = await fetch_bytes(
        f"{server.base}/redirect/3",
        policy=server.policy,
        max_bytes=MB,
        deadline_sec=3,
        resolver=StubResolver(),
        network_backend=RecordingBackend(),
    )
    assert body == b"landed"
    assert server.events == ["redirect/3", "redirect/2", "redirect/1", "redirect/0"]


async def test_an_allowed_name_is_resolved_and_pinned(server: Server) -> None:
    # Given: the operator lists a name (not an address) that resolves to loopback
    policy = FetchPolicy(allowed_http_hosts=frozenset({f"fake-kie.test:{server.port}"}))
    resolver, backend = StubResolver({"fake-kie.test": ["127.0.0.1"]}), RecordingBackend()
    # When
    body = await fetch_bytes(
        f"http://Fake-KIE.test.:{server.port}/file",
        policy=policy,
        max_bytes=MB,
        deadline_sec=3,
        resolver=resolver,
        network_backend=backend,
    )
    # Then: resolved once, connected to the address, not the name
    assert body == b"hello fence"
    assert resolver.calls == [("fake-kie.test", server.port)]
    assert backend.connects == [("127.0.0.1", server.port)]


async def test_a_public_name_connects_to_exactly_the_checked_ip_with_tls_for_the_name() -> None:
    # Given: a public-looking name whose (stub) resolution is a public address
    resolver = StubResolver({"cdn.example.com": [PUBLIC_IP]})
    backend = RecordingBackend(scripted={PUBLIC_IP: [http_response(200, b"pinned body")]})
    # When
    body = await fetch_bytes(
        "https://cdn.example.com/a/b.png?sig=1",
        policy=FetchPolicy(),
        max_bytes=MB,
        deadline_sec=3,
        resolver=resolver,
        network_backend=backend,
    )
    # Then: the socket went to the IP, TLS (SNI, certificate) to the name, the request names the host
    assert body == b"pinned body"
    assert resolver.calls == [("cdn.example.com", 443)]
    assert backend.connects == [(PUBLIC_IP, 443)]
    assert backend.tls_names == ["cdn.example.com"]
    request = b"".join(backend.requests)
    assert request.startswith(b"GET /a/b.png?sig=1 HTTP/1.1\r\n")
    assert b"Host: cdn.example.com\r\n" in request


@pytest.mark.parametrize(
    ("answers", "connected"),
    [
        ([PUBLIC_IP6], PUBLIC_IP6),
        (["::ffff:" + PUBLIC_IP], PUBLIC_IP),  # an IPv4-mapped answer is dialled as plain IPv4
        ([PUBLIC_IP6, PUBLIC_IP], PUBLIC_IP6),
    ],
)
async def test_public_ipv6_and_mapped_answers_are_pinned(answers: list[str], connected: str) -> None:
    backend = RecordingBackend(scripted={connected: [http_response(200, b"ok")]})
    body = await fetch_bytes(
        "https://cdn.example.com/x",
        policy=FetchPolicy(),
        max_bytes=MB,
        deadline_sec=3,
        resolver=StubResolver({"cdn.example.com": answers}),
        network_backend=backend,
    )
    assert body == b"ok"
    assert backend.connects == [(connected, 443)]


async def test_when_the_first_checked_address_fails_the_next_checked_one_is_tried() -> None:
    backend = RecordingBackend(scripted={PUBLIC_IP_2: [http_response(200, b"second")]})
    body = await fetch_bytes(
        "https://cdn.example.com/x",
        policy=FetchPolicy(),
        max_bytes=MB,
        deadline_sec=3,
        resolver=StubResolver({"cdn.example.com": [PUBLIC_IP, PUBLIC_IP_2]}),
        network_backend=backend,
    )
    assert body == b"second"
    assert backend.connects == [(PUBLIC_IP, 443), (PUBLIC_IP_2, 443)]


async def test_a_redirect_between_public_https_hosts_is_followed_and_each_hop_pinned() -> None:
    resolver = StubResolver({"cdn.example.com": [PUBLIC_IP], "files.example.net": [PUBLIC_IP_2]})
    backend = RecordingBackend(
        scripted={
            PUBLIC_IP: [http_response(302, headers={"Location": "https://files.example.net/r.mp4"})],
            PUBLIC_IP_2: [http_response(200, b"video")],
        }
    )
    body = await fetch_bytes(
        "https://cdn.example.com/r",
        policy=FetchPolicy(),
        max_bytes=MB,
        deadline_sec=3,
        resolver=resolver,
        network_backend=backend,
    )
    assert body == b"video"
    assert backend.connects == [(PUBLIC_IP, 443), (PUBLIC_IP_2, 443)]
    assert backend.tls_names == ["cdn.example.com", "files.example.net"]


async def test_dns_rebinding_between_hops_is_caught_at_the_next_connect(socket_attempts: list[Any]) -> None:
    # Given: a name that answers public first, then loopback (a rebinding attack)
    resolver = StubResolver(rebinding={"cdn.example.com": [[PUBLIC_IP], ["127.0.0.1"]]})
    backend = RecordingBackend(
        scripted={PUBLIC_IP: [http_response(302, headers={"Location": "/again"}), http_response(200, b"x")]}
    )
    # When: the first hop redirects to the same host (a new connection: "Connection: close")
    with pytest.raises(FetchRefused, match="blocked address"):
        await fetch_bytes(
            "https://cdn.example.com/first",
            policy=FetchPolicy(),
            max_bytes=MB,
            deadline_sec=3,
            resolver=resolver,
            network_backend=backend,
        )
    # Then: the second answer was checked at connect time and never dialled
    assert backend.connects == [(PUBLIC_IP, 443)]
    assert len(resolver.calls) == 2
    assert socket_attempts == []


async def test_a_redirect_from_https_to_http_is_refused_even_to_an_allowed_host(server: Server) -> None:
    backend = RecordingBackend(
        scripted={PUBLIC_IP: [http_response(302, headers={"Location": f"{server.base}/file"})]}
    )
    with pytest.raises(FetchRefused, match="https to http"):
        await fetch_bytes(
            "https://cdn.example.com/x",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=StubResolver({"cdn.example.com": [PUBLIC_IP]}),
            network_backend=backend,
        )
    assert backend.connects == [(PUBLIC_IP, 443)]
    assert server.events == []


# --- Status, size and time ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [404, 500, 204, 304])
async def test_anything_but_200_is_refused(server: Server, code: int) -> None:
    with pytest.raises(FetchRefused, match=f"status {code}"):
        await fetch_bytes(
            f"{server.base}/status/{code}",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )


async def test_a_body_of_exactly_the_cap_passes_and_one_byte_more_does_not(server: Server) -> None:
    common: dict[str, Any] = {"policy": server.policy, "max_bytes": 1000, "deadline_sec": 3}
    body = await fetch_bytes(
        f"{server.base}/exact?n=1000", resolver=StubResolver(), network_backend=RecordingBackend(), **common
    )
    assert len(body) == 1000
    with pytest.raises(FetchRefused, match="Content-Length 1001"):
        await fetch_bytes(
            f"{server.base}/exact?n=1001",
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
            **common,
        )


async def test_the_size_cap_cuts_a_large_chunked_body(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="over the 200000-byte cap"):
        await fetch_bytes(
            f"{server.base}/big",
            policy=server.policy,
            max_bytes=200_000,
            deadline_sec=5,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )
    assert time.monotonic() - started < 2


async def test_a_larger_content_length_is_refused_before_reading_the_body(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(FetchRefused, match=f"Content-Length {50 * MB}"):
        await fetch_bytes(
            f"{server.base}/declared",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=5,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )
    assert time.monotonic() - started < 1  # the body drips for 5 s; the refusal comes with the headers


async def test_the_deadline_cuts_a_dripping_server(server: Server, refusals: list[dict[str, Any]]) -> None:
    # Given: a server that sends 1 byte every 0.5 s, for 10 s
    started = time.monotonic()
    # When: fetched with a 1.5 s deadline
    with pytest.raises(FetchRefused, match=r"deadline of 1\.5 s passed"):
        await fetch_bytes(
            f"{server.base}/drip",
            policy=server.policy,
            max_bytes=MB,
            deadline_sec=1.5,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )
    elapsed = time.monotonic() - started
    # Then: cut off at the deadline, not at the end of the drip
    assert 1.4 < elapsed < 2.5, elapsed
    assert refusals == [
        {
            "event": "FETCH_REFUSED",
            "level": "warning",
            "reason": "deadline of 1.5 s passed",
            "host": "127.0.0.1",
        }
    ]


async def test_the_deadline_covers_a_resolver_that_hangs() -> None:
    async def hanging(host: str, port: int) -> list[str]:
        await asyncio.sleep(30)
        return [PUBLIC_IP]

    backend = RecordingBackend()
    started = time.monotonic()
    with pytest.raises(FetchRefused, match="deadline"):
        await fetch_bytes(
            "https://slow-dns.example.com/x",
            policy=FetchPolicy(),
            max_bytes=MB,
            deadline_sec=0.3,
            resolver=hanging,
            network_backend=backend,
        )
    assert time.monotonic() - started < 1
    assert backend.connects == []


# --- TLS still verifies the original name ---------------------------------------------------------


@dataclass
class Certificates:
    ca_pem: bytes
    server_context: ssl.SSLContext


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a certificate for files.test only."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: Any, key: Any, signer: Any, *, ca: bool, san: str | None) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fence test CA")])
    ca = build("fence test CA", ca_name, ca_key, ca_key, ca=True, san=None)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build("files.test", ca_name, leaf_key, ca_key, ca=False, san="files.test")
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    return Certificates(ca.public_bytes(serialization.Encoding.PEM), context)


@pytest.fixture
async def tls_server(certificates: Certificates) -> AsyncIterator[Server]:
    events: list[str] = []
    runner, port = await _serve(_app(events), certificates.server_context)
    try:
        yield Server(port, events)
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("name", "works"), [("files.test", True), ("other.test", False)])
async def test_tls_verifies_the_url_host_name_while_the_socket_goes_to_the_pinned_ip(
    tls_server: Server, certificates: Certificates, name: str, works: bool
) -> None:
    # Given: both names resolve to the TLS server (listed, so loopback is allowed); its cert is for files.test
    port = tls_server.port
    policy = FetchPolicy(allowed_http_hosts=frozenset({f"files.test:{port}", f"other.test:{port}"}))
    resolver = StubResolver({"files.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    client_context = ssl.create_default_context(cadata=certificates.ca_pem.decode())
    backend = RecordingBackend()

    async def attempt() -> bytes:
        return await fetch_bytes(
            f"https://{name}:{port}/file",
            policy=policy,
            max_bytes=MB,
            deadline_sec=3,
            resolver=resolver,
            network_backend=backend,
            ssl_context=client_context,
        )

    # Then: the right name gets the body; the wrong one fails verification although the IP is the same
    if works:
        assert await attempt() == b"hello fence"
    else:
        with pytest.raises(FetchRefused, match="tls: certificate verify failed"):
            await attempt()
    assert backend.connects == [("127.0.0.1", port)]


# --- Policy and defaults --------------------------------------------------------------------------


def test_policy_entries_are_normalised_and_bad_ones_rejected() -> None:
    policy = FetchPolicy.from_setting("127.0.0.1:8765, [::1]:8765 Fake-KIE.test. 0x7f.2")
    assert policy.allowed_http_hosts == frozenset(
        {"127.0.0.1:8765", "[::1]:8765", "fake-kie.test", "127.0.0.2"}
    )
    assert policy.trusts("127.0.0.1", 8765)
    assert not policy.trusts("127.0.0.1", 8766)
    assert policy.trusts("fake-kie.test", 80) and policy.trusts("fake-kie.test", 443)
    assert not policy.trusts("fake-kie.test", 8080)
    assert FetchPolicy.from_setting(None) == FetchPolicy()
    for bad in ("host:port", "[::1]x", "a b", "1.2.3.256:80", "host:70000"):
        with pytest.raises(ValueError, match="bad allowed host entry"):
            FetchPolicy(allowed_http_hosts=frozenset({bad}))


async def test_the_default_resolver_answers_a_numeric_host_without_dns() -> None:
    assert await fetch.system_resolver("127.0.0.1", 443) == ["127.0.0.1"]


async def test_a_refusal_is_logged_with_the_host_and_never_the_query(refusals: list[dict[str, Any]]) -> None:
    with pytest.raises(FetchRefused):
        await fetch_bytes(
            "https://10.0.0.1/file.png?X-Amz-Signature=s3cr3t-token&t=abc",
            policy=FetchPolicy(),
            max_bytes=MB,
            deadline_sec=1,
            resolver=StubResolver(),
            network_backend=RecordingBackend(),
        )
    assert refusals == [
        {"event": "FETCH_REFUSED", "level": "warning", "reason": "address is private", "host": "10.0.0.1"}
    ]
    assert "s3cr3t" not in repr(refusals)
