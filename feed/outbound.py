"""Outbound HTTP for webhooks, kept off the internal network (no ORM).

A webhook URL is a request the platform makes on someone's behalf, so it must not reach what only the platform
can reach (a metadata service, the database, an admin port). A URL is refused unless its scheme is http(s), its
host matches ``WEBHOOK_ALLOWED_HOSTS`` and every address the host resolves to is a public one
(``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` lifts the last rule, for intranet deployments). The check runs when the URL
is registered and again at every send; the connection then goes to the address just checked (the host name is
not resolved a second time, so a DNS answer that changes in between cannot point it elsewhere). Redirects are
not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Enough of an answer to log; receivers should answer with a short body.
MAX_RESPONSE_BYTES = 64 * 1024


class OutboundRefused(Exception):
    """The URL may not be called; the message says why (shown to the endpoint's admins)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def host_allowed(host: str, patterns: list[str]) -> bool:
    """``*`` allows any host, ``example.org`` that host, ``*.example.org`` its subdomains."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().strip().rstrip(".")
        if pattern == "*" or pattern == host:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


def address_allowed(address: str) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return True
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(_("The host %(host)s cannot be resolved.") % {"host": host}) from exc
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


def target_check(url: str) -> Target:
    """The URL's parts and the addresses it may be sent to, or OutboundRefused saying why not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(_("This is not a valid URL.")) from exc
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(_("Only http and https URLs can receive webhooks."))
    host = parts.hostname or ""
    if not host:
        raise OutboundRefused(_("This is not a valid URL."))
    if parts.username or parts.password:
        raise OutboundRefused(_("Put no user name or password in the URL; deliveries are signed instead."))
    if not host_allowed(host, list(settings.WEBHOOK_ALLOWED_HOSTS)):
        raise OutboundRefused(_("Webhooks may not be sent to %(host)s on this platform.") % {"host": host})
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port)
    refused = [a for a in addresses if not address_allowed(a)]
    if refused or not addresses:
        raise OutboundRefused(
            _("%(host)s is an internal address (%(address)s); webhooks go only to public addresses.")
            % {"host": host, "address": ", ".join(refused)}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port, path=path, addresses=addresses)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name of the URL (SNI too), not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST ``body`` to ``url`` after the address checks; raises OutboundRefused or OSError (refused, timeout)."""
    target = target_check(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=target.addresses[0], timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(status=response.status, body=response.read(MAX_RESPONSE_BYTES))
    finally:
        connection.close()
