"""The SSRF guard: in production only https URLs resolving to public addresses; loopback, private
and link-local addresses refused; the connection goes to the address that was checked."""

from __future__ import annotations

import socket

import pytest

from cxgov.webhooks import network


def fake_dns(monkeypatch, mapping: dict[str, list[str]]) -> None:
    """DNS is the outside boundary: answer from ``mapping`` (unknown names do not resolve)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in mapping:
            family = socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in mapping[host]]
        if host.replace(".", "").isdigit() or ":" in host:
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook",
    "https://10.255.1.1:8443/hook",
    "https://192.168.1.20/hook",
    "https://172.16.3.4/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://0.0.0.0/hook",
    "https://internal.example.com/hook",  # a public-looking name resolving to a private address
    "https://rebind.example.com/hook",  # one public and one private address: refused
])
def test_production_refuses_internal_addresses(url, production, monkeypatch):
    fake_dns(monkeypatch, {"internal.example.com": ["10.1.2.3"], "rebind.example.com": ["93.184.215.14", "192.168.0.9"],
                           "localhost": ["127.0.0.1"]})
    with pytest.raises(network.UnsafeUrl):
        network.check_url(url)


def test_production_accepts_a_public_https_host(production, monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    target = network.check_url("https://hooks.example.com/in?x=1")
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https", "hooks.example.com", 443, "/in?x=1", "93.184.215.14")


@pytest.mark.parametrize("url,reason", [
    ("http://hooks.example.com/in", "https"),
    ("ftp://hooks.example.com/in", "https"),
    ("hooks.example.com/in", "https"),
    ("https://user:pw@hooks.example.com/in", "credentials"),
    ("https://nowhere.invalid/in", "resolved"),
])
def test_production_refuses_bad_urls_with_a_reason(url, reason, production, monkeypatch):
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.215.14"]})
    with pytest.raises(network.UnsafeUrl) as exc:
        network.check_url(url)
    assert reason in str(exc.value)


def test_development_allows_http_to_loopback_but_never_link_local(loopback):
    assert network.check_url("http://127.0.0.1:9/x").address == "127.0.0.1"
    assert network.check_url("http://localhost:9/x").host == "localhost"
    with pytest.raises(network.UnsafeUrl):
        network.check_url("http://169.254.169.254/latest/meta-data/")


def test_post_to_a_refused_address_makes_no_connection(production, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    result = network.post("https://10.0.0.1/hook", b"{}", {})
    assert result.status is None
    assert "not reachable" in result.error


def test_post_connects_to_the_checked_address_not_a_second_lookup(loopback, receiver, monkeypatch):
    """DNS rebinding: the name is resolved once; the socket goes to that address."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    monkeypatch.setattr(network, "resolve", lambda host, port: next(answers))
    result = network.post(f"http://hooks.test:{port}/pinned", b"{}", {"Content-Type": "application/json"})
    assert result.status == 200, result.error
    assert receiver.requests[0].path == "/pinned"
    assert receiver.requests[0].headers["Host"] == f"hooks.test:{port}"


def test_post_reports_a_refused_connection_without_raising(loopback):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = network.post(f"http://127.0.0.1:{port}/", b"{}", {}, timeout=2)
    assert result.status is None
    assert result.error
