"""The outbound fetch fence: every URL the bot downloads goes through :func:`fetch_bytes`.

A result URL comes from outside (KIE.ai, and through it whoever made the file), so fetching it must not
become a way into our own network (SSRF). The fence:

- accepts ``https`` on port 443 only; ``http``, other ports and private addresses only for the hosts the
  operator lists in :class:`FetchPolicy` (the local fakes on ``127.0.0.1:<port>``);
- refuses userinfo (``user@host``), backslashes, whitespace and control characters in URLs;
- normalises odd IP spellings before anything is resolved (``2130706433``, ``0x7f.1``, ``0177.0.0.1``,
  ``127.1``, trailing dots, full-width digits), the way browsers (WHATWG URL) read them;
- resolves the name itself **when it connects**, checks every address (one bad address refuses the
  name), and connects to the checked IP, so a second DNS answer cannot swap in another (rebinding);
  TLS still verifies the certificate against the original host name (SNI is the name);
- follows redirects itself, re-checking every hop (and refusing https → http);
- bounds the whole fetch (connect, every hop, the body) by one deadline, and the body by a size cap.

The hook is an httpcore network backend (``connect_tcp``), so the check sits between the name and the
socket whatever httpcore does around it. Proxies from the environment are never used.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

import httpcore

from creativebot.observability import log_event

__all__ = [
    "FetchPolicy",
    "FetchRefused",
    "IPAddress",
    "Resolver",
    "address_refusal",
    "fetch_bytes",
    "normalize_host",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Iterable[str]]]
"""``(host name, port) -> IP address strings``; may raise :class:`OSError` when the name does not resolve."""

DEFAULT_MAX_REDIRECTS: Final = 3
MAX_URL_LENGTH: Final = 8192
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_USER_AGENT: Final = b"creativebot-fetch/1"
# Kept as is in a request target; anything else (non-ASCII) goes out percent-encoded.
_PRINTABLE_ASCII: Final = "".join(chr(code) for code in range(0x21, 0x7F))
# Names that never mean a public server (RFC 6761, 6762, 8375 and common private suffixes).
_RESERVED_NAMES: Final = ("localhost", "localdomain", "local", "internal", "home.arpa")


class FetchRefused(Exception):
    """The fence refused a fetch, or the fetch failed: ``reason`` says why (never the URL's query)."""

    def __init__(self, reason: str, *, host: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.host = host


# --- Addresses ----------------------------------------------------------------------------------


def _v4(network: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(network)


def _v6(network: str) -> ipaddress.IPv6Network:
    return ipaddress.IPv6Network(network)


_CLOUD_METADATA: Final[frozenset[IPAddress]] = frozenset(
    ipaddress.ip_address(text)
    for text in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack instance metadata
        "169.254.170.2",  # AWS ECS task metadata and credentials
        "100.100.100.200",  # Alibaba Cloud metadata
        "168.63.129.16",  # Azure WireServer: a public-looking address that answers only inside Azure
        "fd00:ec2::254",  # AWS instance metadata over IPv6
    )
)

_V4_BLOCKED: Final = (
    (_v4("0.0.0.0/8"), "unspecified"),  # "this network"; 0.0.0.0 reaches the local host on Linux
    (_v4("10.0.0.0/8"), "private"),
    (_v4("100.64.0.0/10"), "cgnat"),
    (_v4("127.0.0.0/8"), "loopback"),
    (_v4("169.254.0.0/16"), "link-local"),
    (_v4("172.16.0.0/12"), "private"),
    (_v4("192.0.0.0/24"), "ietf-protocol"),
    (_v4("192.0.2.0/24"), "documentation"),
    (_v4("192.88.99.0/24"), "6to4-relay"),
    (_v4("192.168.0.0/16"), "private"),
    (_v4("198.18.0.0/15"), "benchmarking"),
    (_v4("198.51.100.0/24"), "documentation"),
    (_v4("203.0.113.0/24"), "documentation"),
    (_v4("224.0.0.0/4"), "multicast"),
    (_v4("255.255.255.255/32"), "broadcast"),
    (_v4("240.0.0.0/4"), "reserved"),
)

_V6_NAT64: Final = _v6("64:ff9b::/96")  # the well-known NAT64 prefix: judged by the IPv4 inside
_V6_BLOCKED: Final = (
    (_v6("::/128"), "unspecified"),
    (_v6("::1/128"), "loopback"),
    (_v6("::/96"), "ipv4-compatible"),  # deprecated since 2006; nothing legitimate uses it
    (_v6("::ffff:0:0:0/96"), "ipv4-translated"),
    (_v6("64:ff9b:1::/48"), "nat64-local"),
    (_v6("100::/64"), "discard"),
    (_v6("2001::/32"), "teredo"),  # carries an obfuscated IPv4 client address
    (_v6("2001:2::/48"), "benchmarking"),
    (_v6("2001:db8::/32"), "documentation"),
    (_v6("2001::/23"), "ietf-protocol"),
    (_v6("3fff::/20"), "documentation"),
    (_v6("5f00::/16"), "srv6-sid"),
    (_v6("fc00::/7"), "unique-local"),
    (_v6("fe80::/10"), "link-local"),
    (_v6("fec0::/10"), "site-local"),
    (_v6("ff00::/8"), "multicast"),
)
_V6_GLOBAL_UNICAST: Final = _v6("2000::/3")


def _v4_refusal(address: ipaddress.IPv4Address) -> str | None:
    if address in _CLOUD_METADATA:
        return "cloud-metadata"
    for network, reason in _V4_BLOCKED:
        if address in network:
            return reason
    return None


def address_refusal(address: IPAddress | str) -> str | None:
    """Why the fence will not connect to ``address`` (e.g. ``"loopback"``), or None when it is public.

    IPv6 forms that embed an IPv4 address (``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4
    ``2002::/16``) are judged by that IPv4 address; IPv4-compatible ``::a.b.c.d`` and Teredo are
    refused outright; any other IPv6 address must be global unicast (``2000::/3``) outside the special
    ranges. A string that is not an IP address is refused as ``"not an ip address"``.
    """
    if isinstance(address, str):
        try:
            address = ipaddress.ip_address(address)
        except ValueError:
            return "not an ip address"
    if isinstance(address, ipaddress.IPv4Address):
        return _v4_refusal(address)
    if address.scope_id:
        address = ipaddress.IPv6Address(int(address))  # judge fe80::1%eth0 as fe80::1
    if address in _CLOUD_METADATA:
        return "cloud-metadata"
    embedded: tuple[str, ipaddress.IPv4Address] | None = None
    if address.ipv4_mapped is not None:
        embedded = ("ipv4-mapped", address.ipv4_mapped)
    elif address.sixtofour is not None:
        embedded = ("6to4", address.sixtofour)
    elif address in _V6_NAT64:
        embedded = ("nat64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if embedded is not None:
        form, inner = embedded
        reason = _v4_refusal(inner)
        return f"{form} {reason}" if reason else None
    for network, reason in _V6_BLOCKED:
        if address in network:
            return reason
    if address not in _V6_GLOBAL_UNICAST:
        return "not global unicast"
    return None


# --- Host names and odd IP spellings ------------------------------------------------------------


def _ipv4_number(part: str) -> int | None:
    """One dotted part read as WHATWG (and inet_aton) read it: 0x… hex, 0… octal, else decimal."""
    if not part or len(part) > 40:
        return None
    digits, base = part, 10
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    if not digits:
        return 0
    allowed = {10: "0123456789", 8: "01234567", 16: "0123456789abcdef"}[base]
    if any(char not in allowed for char in digits.lower()):
        return None
    return int(digits, base)


def _ends_in_number(host: str) -> bool:
    last = host.rsplit(".", 1)[-1]
    return bool(last) and ((last.isascii() and last.isdigit()) or _ipv4_number(last) is not None)


def _parse_ipv4(host: str) -> ipaddress.IPv4Address:
    parts = host.split(".")
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(number is None for number in numbers):
        raise FetchRefused("host looks like an IPv4 address but is not a valid one", host=host)
    values = [number for number in numbers if number is not None]
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise FetchRefused("host looks like an IPv4 address but is out of range", host=host)
    value = values[-1] + sum(part << (8 * (3 - index)) for index, part in enumerate(values[:-1]))
    return ipaddress.IPv4Address(value)


def _parse_host(raw: str) -> tuple[str, IPAddress | None]:
    """The canonical host (IP in its standard text, or a lower-case ASCII name) and its IP if it is one."""
    host = raw.strip("[]") if raw.startswith("[") else raw
    if not host:
        raise FetchRefused("no host")
    if ":" in host:
        if "%" in host:
            raise FetchRefused("IPv6 zone ids are not allowed", host=host)
        try:
            address6 = ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchRefused("invalid IPv6 address", host=host) from None
        return address6.compressed, address6
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")  # also folds full-width digits and dots
        except UnicodeError:
            raise FetchRefused("invalid international host name") from None
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if _ends_in_number(host):
        address4 = _parse_ipv4(host)
        return str(address4), address4
    labels = host.split(".")
    if len(host) > 253 or not all(
        0 < len(label) <= 63 and all(char.isalnum() or char in "-_" for char in label) for label in labels
    ):
        raise FetchRefused("invalid host name")
    return host, None


def normalize_host(host: str) -> str:
    """``host`` as the fence sees it: ``"0x7f.1"`` → ``"127.0.0.1"``, ``"Files.Example.COM."`` → ``"files.example.com"``.

    Raises :class:`FetchRefused` for a host that is neither a valid name nor a valid address.
    """
    return _parse_host(host)[0]


def _reserved_name(host: str) -> bool:
    return any(host == name or host.endswith("." + name) for name in _RESERVED_NAMES)


def _authority(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


# --- Policy ---------------------------------------------------------------------------------------


def _normalize_entry(entry: str) -> str:
    text = entry.strip()
    port: int | None = None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"bad allowed host entry {entry!r}: expected [ipv6]:port")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"bad allowed host entry {entry!r}: the port must be a number")
        port = int(port_text)
    else:
        host = text
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"bad allowed host entry {entry!r}: port out of range")
    try:
        canonical = normalize_host(host)
    except FetchRefused as refused:
        raise ValueError(f"bad allowed host entry {entry!r}: {refused.reason}") from None
    return _authority(canonical, port)


@dataclass(frozen=True)
class FetchPolicy:
    """What the operator trusts beyond the public internet over https.

    ``allowed_http_hosts`` holds ``"host"`` or ``"host:port"`` entries (IPv6 as ``"[::1]:8080"``). A
    listed host may use http, may resolve to private addresses, and (with ``:port``) may use that port;
    a bare ``"host"`` covers ports 80 and 443. Entries are normalised like URLs, so
    ``"127.0.0.1:8080"`` also covers ``http://2130706433:8080/``.
    """

    allowed_http_hosts: frozenset[str] = frozenset()
    max_redirects: int = DEFAULT_MAX_REDIRECTS

    def __post_init__(self) -> None:
        entries = frozenset(_normalize_entry(entry) for entry in self.allowed_http_hosts)
        object.__setattr__(self, "allowed_http_hosts", entries)
        if not 0 <= self.max_redirects <= 10:
            raise ValueError("max_redirects must be between 0 and 10")

    @classmethod
    def from_setting(cls, value: str | None, *, max_redirects: int = DEFAULT_MAX_REDIRECTS) -> FetchPolicy:
        """A policy from a comma- or space-separated setting such as ``"127.0.0.1:8765, [::1]:8765"``."""
        entries = (value or "").replace(",", " ").split()
        return cls(allowed_http_hosts=frozenset(entries), max_redirects=max_redirects)

    def trusts(self, host: str, port: int) -> bool:
        """Whether the canonical ``host`` on ``port`` is one the operator listed."""
        entries = self.allowed_http_hosts
        if _authority(host, port) in entries:
            return True
        return port in _DEFAULT_PORTS.values() and _authority(host, None) in entries


# --- URLs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    target: bytes  # path and query, ASCII

    @property
    def url(self) -> httpcore.URL:
        return httpcore.URL(
            scheme=self.scheme.encode(), host=self.host.encode(), port=self.port, target=self.target
        )

    @property
    def host_header(self) -> bytes:
        port = None if self.port == _DEFAULT_PORTS[self.scheme] else self.port
        return _authority(self.host, port).encode("ascii")


def _check_url(url: str, policy: FetchPolicy) -> _Target:
    if len(url) > MAX_URL_LENGTH:
        raise FetchRefused("URL too long")
    if any(char <= " " or char in "\x7f\\" for char in url):
        raise FetchRefused("URL contains whitespace, control characters or a backslash")
    try:
        parts = urlsplit(url)
        raw_port = parts.port
    except ValueError:
        raise FetchRefused("malformed URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise FetchRefused(f"scheme {scheme[:20]!r} is not allowed")
    if "@" in parts.netloc:
        raise FetchRefused("userinfo (user@host) in URLs is not allowed")
    host, address = _parse_host(parts.hostname or "")
    port = raw_port if raw_port is not None else _DEFAULT_PORTS[scheme]
    trusted = policy.trusts(host, port)
    if not trusted:
        if scheme != "https":
            raise FetchRefused("plain http is allowed only for hosts the operator lists", host=host)
        if port != 443:
            raise FetchRefused(f"port {port} is allowed only for hosts the operator lists", host=host)
        if address is not None and (reason := address_refusal(address)):
            raise FetchRefused(f"address is {reason}", host=host)
        if address is None and _reserved_name(host):
            raise FetchRefused("reserved local name", host=host)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return _Target(scheme, host, port, quote(target, safe=_PRINTABLE_ASCII).encode("ascii"))


def _host_for_log(url: str) -> str | None:
    with contextlib.suppress(ValueError, FetchRefused):
        return _parse_host(urlsplit(url).hostname or "")[0]
    return None


# --- The network backend: resolve, check, pin ---------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    """The running loop's ``getaddrinfo``: every TCP address for ``host``."""
    loop = asyncio.get_running_loop()
    answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(sockaddr[0]) for _family, _type, _proto, _name, sockaddr in answers]


class _FencedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects the inner backend to a checked IP."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver, inner: httpcore.AsyncNetworkBackend) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner

    async def _addresses(self, raw_host: str, port: int) -> list[IPAddress]:
        host, literal = _parse_host(raw_host)
        trusted = self._policy.trusts(host, port)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            if not trusted and _reserved_name(host):
                raise FetchRefused("reserved local name", host=host)
            try:
                answers = list(await self._resolver(host, port))
            except OSError:
                raise FetchRefused("the name does not resolve", host=host) from None
            addresses = []
            for answer in answers:
                try:
                    address = ipaddress.ip_address(answer)
                except ValueError:
                    raise FetchRefused(
                        "the resolver returned something that is not an address", host=host
                    ) from None
                if address not in addresses:
                    addresses.append(address)
            if not addresses:
                raise FetchRefused("the name has no address", host=host)
        if not trusted:
            for address in addresses:
                if reason := address_refusal(address):
                    raise FetchRefused(f"resolves to a blocked address ({reason})", host=host)
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception = httpcore.ConnectError("no address to connect to")
        for address in await self._addresses(host, port):
            pinned = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
            try:
                return await self._inner.connect_tcp(
                    str(pinned or address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchRefused("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- The fetch ----------------------------------------------------------------------------------

_NETWORK_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ConnectionNotAvailable,
)


def _header(response: httpcore.Response, name: bytes) -> bytes | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value
    return None


def _network_reason(error: Exception) -> str:
    # httpcore keeps the ssl error's text in the message (its pool drops ``__cause__`` on the way up).
    message = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in message:
        return "tls: certificate verify failed"
    if "[SSL" in message or isinstance(error.__cause__, ssl.SSLError):
        return "tls: handshake failed"
    return f"network error: {type(error).__name__}"


class _Fetch:
    def __init__(self, pool: httpcore.AsyncConnectionPool, policy: FetchPolicy, max_bytes: int) -> None:
        self._pool = pool
        self._policy = policy
        self._max_bytes = max_bytes
        self.host: str | None = None  # the hop being fetched, for the refusal's log line

    async def run(self, url: str, deadline: float) -> bytes:
        loop = asyncio.get_running_loop()
        previous: _Target | None = None
        for _hop in range(self._policy.max_redirects + 1):
            self.host = _host_for_log(url)
            target = _check_url(url, self._policy)
            if previous is not None and previous.scheme == "https" and target.scheme == "http":
                raise FetchRefused("redirect from https to http", host=target.host)
            left = max(deadline - loop.time(), 0.001)
            headers = [
                (b"Host", target.host_header),
                (b"User-Agent", _USER_AGENT),
                (b"Accept", b"*/*"),
                (b"Accept-Encoding", b"identity"),
            ]
            timeouts = {"connect": left, "read": left, "write": left, "pool": left}
            async with self._pool.stream(
                "GET", target.url, headers=headers, extensions={"timeout": timeouts}
            ) as response:
                if response.status in _REDIRECTS:
                    location = _header(response, b"location")
                    if not location:
                        raise FetchRefused(f"redirect {response.status} without a Location")
                    url, previous = urljoin(url, location.decode("latin-1")), target
                    continue
                if response.status != 200:
                    raise FetchRefused(f"status {response.status}")
                return await self._body(response)
        raise FetchRefused(f"more than {self._policy.max_redirects} redirects")

    async def _body(self, response: httpcore.Response) -> bytes:
        declared = _header(response, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self._max_bytes:
            raise FetchRefused(f"Content-Length {int(declared)} is over the {self._max_bytes}-byte cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_stream():
            size += len(chunk)
            if size > self._max_bytes:
                raise FetchRefused(f"body is over the {self._max_bytes}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)


async def fetch_bytes(
    url: str,
    *,
    policy: FetchPolicy,
    max_bytes: int,
    deadline_sec: float,
    resolver: Resolver | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> bytes:
    """The body behind ``url`` (status 200, at most ``max_bytes``), fetched through the fence.

    Everything (resolving, connecting, TLS, every redirect hop, reading the body) ends within
    ``deadline_sec``. Raises :class:`FetchRefused` for every refusal and every failure, and logs it as
    ``FETCH_REFUSED`` with the host only. ``resolver`` (default: the loop's getaddrinfo),
    ``network_backend`` (default: httpcore's AnyIO backend, which gets only checked IPs) and
    ``ssl_context`` (default: httpcore's, with certifi's roots) are injection points for tests.
    """
    if max_bytes < 0 or deadline_sec <= 0:
        raise ValueError("max_bytes must be >= 0 and deadline_sec > 0")
    backend = _FencedBackend(policy, resolver or system_resolver, network_backend or httpcore.AnyIOBackend())
    fetch: _Fetch | None = None
    try:
        async with httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, network_backend=backend, retries=0, http1=True, http2=False
        ) as pool:
            fetch = _Fetch(pool, policy, max_bytes)
            try:
                async with asyncio.timeout(deadline_sec):
                    return await fetch.run(url, asyncio.get_running_loop().time() + deadline_sec)
            except (TimeoutError, httpcore.TimeoutException):
                raise FetchRefused(f"deadline of {deadline_sec:g} s passed") from None
            except _NETWORK_ERRORS as error:
                raise FetchRefused(_network_reason(error)) from None
    except FetchRefused as refused:
        if refused.host is None:
            refused.host = fetch.host if fetch and fetch.host else _host_for_log(url)
        log_event("FETCH_REFUSED", level="warning", reason=refused.reason, host=refused.host)
        raise
