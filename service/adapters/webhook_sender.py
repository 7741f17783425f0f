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
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.errors import FieldError, InvalidRequest, WebhookNotDelivered

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_ANSWER = 64 * 1024  # bytes of an answer read at most: only its status matters
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class HttpWebhookSender:
    """``allow_private``: private, loopback, link-local and other non-global addresses may be called (tests, an
    office's own network); ``timeout``: seconds for connecting, sending and reading the answer."""

    def __init__(self, timeout: float, allow_private: bool) -> None:
        self.timeout = timeout
        self.allow_private = allow_private

    def _allowed(self, address: IpAddress) -> bool:
        return self.allow_private or all(a.is_global and not a.is_multicast for a in _with_embedded(address))

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
        if not all(self._allowed(a) for a in addresses):  # the addresses themselves are not told (they are inner)
            raise _refused(
                f"{host} is a private, loopback or reserved address; not allowed",
                f"{host} là địa chỉ nội bộ hoặc dành riêng; không được phép",
            )
        return addresses[0]

    def check(self, url: str) -> None:
        try:
            self._address(url)
        except WebhookNotDelivered as exc:
            raise InvalidRequest([FieldError("url", exc.message_en, exc.message_vi)]) from None

    def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """The request runs in a thread of its own so that the whole call, however slowly the endpoint answers,
        ends within ``timeout`` (httpx's timeouts are per read); at most ``MAX_ANSWER`` bytes of the answer are
        read."""
        outcome: list[int | BaseException] = []
        worker = threading.Thread(target=self._call, args=(url, headers, body, outcome), daemon=True)
        worker.start()
        worker.join(self.timeout)
        if not outcome:
            raise self._late()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _late(self) -> WebhookNotDelivered:
        return WebhookNotDelivered(
            f"no whole answer from the endpoint within {self.timeout:g} s",
            f"điểm nhận không trả lời trọn vẹn trong {self.timeout:g} giây",
        )

    def _call(self, url: str, headers: dict[str, str], body: bytes, outcome: list[int | BaseException]) -> None:
        deadline = time.monotonic() + self.timeout
        try:
            address = self._address(url)
            parts = urlsplit(url)
            host = _ascii_host(parts.hostname or "")
            literal = f"[{address}]" if address.version == 6 else str(address)
            port = f":{parts.port}" if parts.port else ""
            pinned = urlunsplit((parts.scheme, literal + port, parts.path or "/", parts.query, ""))
            extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
            with (
                httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client,
                client.stream(
                    "POST", pinned, content=body, headers={**headers, "host": host + port}, extensions=extensions
                ) as answer,
            ):
                read = 0
                for chunk in answer.iter_raw():
                    read += len(chunk)
                    if time.monotonic() > deadline:
                        raise self._late()
                    if read >= MAX_ANSWER:
                        break
                outcome.append(answer.status_code)
        except WebhookNotDelivered as exc:
            outcome.append(exc)
        except Exception as exc:  # httpx's errors, and any other (a host IDNA cannot encode, ...)
            reason = f"{type(exc).__name__}: {exc}"
            outcome.append(
                WebhookNotDelivered(f"no answer from the endpoint: {reason}", f"điểm nhận không trả lời: {reason}")
            )


def _refused(message_en: str, message_vi: str) -> WebhookNotDelivered:
    return WebhookNotDelivered(message_en, message_vi)


def _ascii_host(host: str) -> str:
    """``host`` as sent in ``Host`` and as the TLS server name: an internationalised name IDNA-encoded."""
    return host if host.isascii() else host.encode("idna").decode("ascii")


def _with_embedded(address: IpAddress) -> list[IpAddress]:
    """``address`` and the IPv4 address an IPv6 one carries (IPv4-mapped, 6to4, NAT64, IPv4-compatible)."""
    found: list[IpAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.ipv4_mapped:
            found.append(address.ipv4_mapped)
        if address.sixtofour:
            found.append(address.sixtofour)
        if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):
            found.append(low)
    return found
