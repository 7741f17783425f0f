"""Webhook deliveries over HTTP (httpx, in this module only for the service): a timeout on every call, no redirect
followed, no proxy from the environment, and only addresses the settings allow.

Against SSRF and DNS rebinding the host is resolved here, every address it resolves to is checked, and the request
is sent to the checked address itself (the URL's host kept in ``Host`` and, for https, as the TLS server name that
the certificate is verified against): a name cannot resolve to a public address for the check and to an inner one
for the call.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.errors import FieldError, InvalidRequest, WebhookNotDelivered

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HttpWebhookSender:
    """``allow_private``: private, loopback, link-local and other non-global addresses may be called (tests, an
    office's own network); ``timeout``: seconds for connecting, sending and reading the answer."""

    def __init__(self, timeout: float, allow_private: bool) -> None:
        self.timeout = timeout
        self.allow_private = allow_private

    def _allowed(self, address: IpAddress) -> bool:
        return self.allow_private or (address.is_global and not address.is_multicast)

    def _resolve(self, host: str, port: int) -> list[IpAddress]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        return list(dict.fromkeys(found))

    def _address(self, url: str) -> IpAddress:
        """The address to call for ``url``: every address its host resolves to must be allowed."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        addresses = self._resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        if not addresses:
            raise _refused(f"{host} does not resolve", f"không phân giải được tên {host}")
        refused = [str(a) for a in addresses if not self._allowed(a)]
        if refused:
            raise _refused(
                f"{host} is a private, loopback or reserved address ({', '.join(refused)}); not allowed",
                f"{host} là địa chỉ nội bộ hoặc dành riêng ({', '.join(refused)}); không được phép",
            )
        return addresses[0]

    def check(self, url: str) -> None:
        try:
            self._address(url)
        except WebhookNotDelivered as exc:
            raise InvalidRequest([FieldError("url", exc.message_en, exc.message_vi)]) from None

    def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        address = self._address(url)
        parts = urlsplit(url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal + (f":{parts.port}" if parts.port else "")
        pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
                answer = client.post(
                    pinned, content=body, headers={**headers, "host": parts.netloc}, extensions=extensions
                )
        except httpx.HTTPError as exc:
            reason = f"{type(exc).__name__}: {exc}"
            raise WebhookNotDelivered(
                f"no answer from the endpoint: {reason}", f"điểm nhận không trả lời: {reason}"
            ) from None
        return answer.status_code


def _refused(message_en: str, message_vi: str) -> WebhookNotDelivered:
    return WebhookNotDelivered(message_en, message_vi)
