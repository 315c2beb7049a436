"""The fence's pure parts: which addresses it refuses, and how it reads odd host spellings."""
# ruff: noqa: S104  (addresses under test; nothing here binds a socket)

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creativebot.fetch import FetchRefused, address_refusal, normalize_host


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.255", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("10.20.30.40", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "cgnat"),
        ("100.127.255.255", "cgnat"),
        ("169.254.169.254", "cloud-metadata"),
        ("169.254.170.2", "cloud-metadata"),
        ("100.100.100.200", "cloud-metadata"),
        ("168.63.129.16", "cloud-metadata"),
        ("169.254.0.1", "link-local"),
        ("192.0.0.1", "ietf-protocol"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("192.88.99.1", "6to4-relay"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::127.0.0.1", "ipv4-compatible"),
        ("::8.8.8.8", "ipv4-compatible"),
        ("::ffff:0:7f00:1", "ipv4-translated"),
        ("::ffff:127.0.0.1", "ipv4-mapped loopback"),
        ("::ffff:169.254.169.254", "ipv4-mapped cloud-metadata"),
        ("::ffff:10.0.0.1", "ipv4-mapped private"),
        ("64:ff9b::7f00:1", "nat64 loopback"),
        ("64:ff9b::192.168.1.1", "nat64 private"),
        ("64:ff9b:1::1", "nat64-local"),
        ("2002:7f00:1::1", "6to4 loopback"),
        ("2002:a9fe:a9fe::", "6to4 cloud-metadata"),
        ("2001::1", "teredo"),
        ("2001:2::1", "benchmarking"),
        ("2001:10::1", "ietf-protocol"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("100::1", "discard"),
        ("5f00::1", "srv6-sid"),
        ("fd00:ec2::254", "cloud-metadata"),
        ("fd00::1", "unique-local"),
        ("fc00::1", "unique-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("4000::1", "not global unicast"),
        ("not an address", "not an ip address"),
        ("127.1", "not an ip address"),  # the pure check takes standard text only
    ],
)
def test_blocked_addresses_say_why(address: str, reason: str) -> None:
    assert address_refusal(address) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.216.34",
        "100.63.255.255",  # just below CGNAT
        "100.128.0.0",  # just above
        "172.15.255.255",
        "172.32.0.0",
        "223.255.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:82b::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:808:808::1",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(address) is None
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0000.0000.0001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("10.1", "10.0.0.1"),
        ("2852039166", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("１２７．０．０．１", "127.0.0.1"),  # full-width digits and dots fold to ASCII first
        ("::1", "::1"),
        ("[::1]", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("Files.Example.COM", "files.example.com"),
        ("files.example.com.", "files.example.com"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("my_host.example", "my_host.example"),
    ],
)
def test_odd_spellings_are_read_as_browsers_read_them(host: str, canonical: str) -> None:
    assert normalize_host(host) == canonical


@pytest.mark.parametrize(
    "host",
    [
        "",
        "1.2.3.256",
        "256.1.1.1",
        "1.2.3.4.5",
        "0x100000000",
        "4294967296",
        "08.0.0.1",
        "0x7g.0.0.1",
        "1..2",
        "example.com..",
        "exa mple.com",
        "%31%32%37.0.0.1",
        "example.com:80",
        "fe80::1%eth0",
        "fe80::1%25eth0",
        ":::1",
        "a" * 64 + ".example",
        "example.123",
    ],
)
def test_hosts_that_are_neither_a_name_nor_an_address_are_refused(host: str) -> None:
    with pytest.raises(FetchRefused):
        normalize_host(host)


@given(st.ip_addresses(v=4))
def test_every_spelling_of_an_ipv4_address_is_judged_like_the_address(address: ipaddress.IPv4Address) -> None:
    value = int(address)
    octets = [int(part) for part in str(address).split(".")]
    spellings = [
        str(value),
        hex(value),
        ".".join(hex(octet) for octet in octets),
        ".".join("0" + oct(octet)[2:] for octet in octets),
        f"{octets[0]}.{value & 0xFFFFFF}",
        f"{octets[0]}.{octets[1]}.{value & 0xFFFF}",
        f"{address}.",
    ]
    for spelling in spellings:
        assert normalize_host(spelling) == str(address), spelling
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | value)
    verdict = address_refusal(address) is None
    assert (address_refusal(mapped) is None) == verdict
    assert (address_refusal(nat64) is None) == verdict


@given(st.ip_addresses())
def test_the_fence_is_at_least_as_strict_as_the_standard_library(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return  # judged by the IPv4 inside, which the other property covers
    if not address.is_global or address.is_multicast:
        assert address_refusal(address) is not None
