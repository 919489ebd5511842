"""One polite, guarded GET: http(s) only, addresses checked before each connection, redirects
followed by hand (each hop checked), robots.txt, a per-host rate, retries with backoff, a size and a
time limit. Failures come back as a reason code, never as an exception.

httpx is the client: a maintained, typed HTTP/1.1 client with streaming bodies (the size limit is
enforced while reading, not after), separate connect/read timeouts and no automatic redirects unless
asked, so every hop can be checked here.
"""
from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__

#: the User-Agent sent with every request; robots.txt rules for ``discl`` apply to it
USER_AGENT = (f"discl/{__version__} (research fetcher of government information-disclosure annual reports; "
              "1 request/s per host by default; obeys robots.txt)")
ROBOTS_AGENT = "discl"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how far ``discl fetch`` goes (every field has the CLI option of its name)."""

    #: requests per second to one host (robots.txt and retries included)
    rate: float = 1.0
    #: seconds to connect and between bytes received
    timeout: float = 30.0
    #: seconds for a whole response (a server that drips bytes forever)
    total_timeout: float = 300.0
    #: further attempts after a 429/5xx, a timeout or a lost connection
    retries: int = 3
    #: seconds before the first retry; doubled for each further one (a Retry-After header wins, up to max_backoff)
    backoff: float = 1.0
    max_backoff: float = 60.0
    #: responses larger than this are refused with ``too_large`` (bytes); discl reads files up to 60 MB
    max_bytes: int = 60 * 1024 * 1024
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    robots: bool = True

    def __post_init__(self) -> None:
        for name in ("rate", "timeout", "total_timeout", "max_bytes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number, got {getattr(self, name)}")
        if self.retries < 0 or self.backoff < 0:
            raise ValueError("retries and backoff cannot be negative")
        if not self.user_agent.isascii() or not self.user_agent.isprintable():
            raise ValueError("the User-Agent must be printable ASCII (HTTP headers are)")


@dataclass(frozen=True)
class Scope:
    """Where the links of one start URL may lead: a start URL on this machine or a private network
    may reach that same origin (scheme, host, port) only; any other start URL reaches public
    addresses only."""

    origin: tuple[str, str, int] | None = None  # the local start URL's origin, or None

    @classmethod
    def for_start(cls, url: str) -> "Scope":
        """The scope of links found from ``url``.

        >>> Scope.for_start("http://127.0.0.1:8000/nb/").origin
        ('http', '127.0.0.1', 8000)
        """
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname and _is_local_host(parts.hostname, _port(parts)):
            return cls(origin_of(url))
        return cls(None)


@dataclass
class Response:
    """What one GET gave: ``error`` is a reason code (None on success) and ``detail`` says it in words."""

    url: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    disposition: str | None = None
    location: str | None = None  # of a redirect
    error: str | None = None
    detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _port(parts) -> int:
    try:
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return -1


def origin_of(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a URL.

    >>> origin_of("https://www.gov.cn/a"), origin_of("http://127.0.0.1:81/")
    (('https', 'www.gov.cn', 443), ('http', '127.0.0.1', 81))
    """
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), _port(parts)


def _addresses(host: str, port: int) -> set[str]:
    try:
        return {ai[4][0] for ai in socket.getaddrinfo(host, port if port > 0 else None, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return set()


def _local_ip(ip: str) -> bool:
    try:
        a = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return True
    return not a.is_global or a.is_multicast


def _is_local_host(host: str, port: int) -> bool:
    addrs = _addresses(host, port)
    return any(_local_ip(a) for a in addrs)


def refuse_reason(url: str, scope: Scope) -> tuple[str, str] | None:
    """Why ``url`` is not fetched from ``scope`` (reason code, words), or None when it may be.

    >>> refuse_reason("file:///etc/passwd", Scope())
    ('unsupported_scheme', 'only http and https URLs are fetched (this one is file)')
    >>> refuse_reason("http://127.0.0.1:9/x", Scope())[0]
    'local_address'
    >>> refuse_reason("http://127.0.0.1:9/x", Scope(("http", "127.0.0.1", 9))) is None
    True
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "unsupported_scheme", f"only http and https URLs are fetched (this one is {parts.scheme or 'without a scheme'})"
    if not parts.hostname or _port(parts) < 0:
        return "bad_url", "the URL names no valid host and port"
    addrs = _addresses(parts.hostname, _port(parts))
    if not addrs:
        return "dns_error", f"the host {parts.hostname} could not be resolved"
    if any(_local_ip(a) for a in addrs):
        if scope.origin is None:
            return "local_address", (f"{parts.hostname} is on this machine or a private network; only a start "
                                     "URL given as such is fetched there")
        if origin_of(url) != scope.origin:
            return "local_address", (f"{parts.hostname}:{_port(parts)} is a local address other than the start "
                                     f"URL's {scope.origin[1]}:{scope.origin[2]}")
    return None


@dataclass
class Client:
    """Sequential, polite GETs (one at a time; at most ``settings.rate`` requests a second per host).

    ``sleep`` and ``clock`` are injectable for tests; ``request_times`` logs ``(host, clock())`` of
    every request sent.
    """

    settings: FetchSettings = field(default_factory=FetchSettings)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        s = self.settings
        self.http = httpx.Client(headers={"User-Agent": s.user_agent}, follow_redirects=False,
                                 timeout=httpx.Timeout(s.timeout), trust_env=False)
        self.next_slot: dict[str, float] = {}
        self.robots: dict[tuple[str, str, int], urllib.robotparser.RobotFileParser | str] = {}
        self.request_times: list[tuple[str, float]] = []

    def close(self) -> None:
        self.http.close()

    def _wait_turn(self, host: str) -> None:
        now = self.clock()
        slot = self.next_slot.get(host, now)
        if slot > now:
            self.sleep(slot - now)
            now = self.clock()
        self.next_slot[host] = max(now, slot) + 1.0 / self.settings.rate
        self.request_times.append((host, now))

    def get(self, url: str, scope: Scope, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` following redirects that stay within ``scope``; never raises for a network or
        HTTP failure (the reason is ``Response.error``: ``http_404``, ``timeout``, ``too_large``,
        ``robots_disallowed``, ``local_address``, ``unsupported_scheme``, ``redirect_loop``, …)."""
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            refused = refuse_reason(current, scope)
            if refused:
                code, words = refused
                if current != url:
                    code, words = f"redirect_{code}", f"redirected to {current}: {words}"
                return Response(url, current, error=code, detail=words)
            if self.settings.robots:
                blocked = self._robots_block(current, scope)
                if blocked:
                    return Response(url, current, error=blocked[0], detail=blocked[1])
            res = self._get_with_retries(current, headers)
            res.url = url
            if res.status in REDIRECT_STATUS and res.error is None:
                location = res.location
                if not location:
                    return Response(url, current, res.status, error="bad_redirect",
                                    detail="a redirect without a Location header")
                current = urljoin(current, location)
                continue
            return res
        return Response(url, current, error="redirect_loop",
                        detail=f"more than {self.settings.max_redirects} redirects")

    def _get_with_retries(self, url: str, headers: dict[str, str] | None) -> Response:
        s = self.settings
        for attempt in range(s.retries + 1):
            res, retry_after = self._once(url, headers)
            retriable = res.status in RETRY_STATUS or res.error in ("timeout", "connection_error")
            if not retriable or attempt == s.retries:
                if attempt and res.detail:
                    res.detail += f" (after {attempt + 1} attempts)"
                return res
            delay = s.backoff * 2 ** attempt
            if retry_after is not None:
                delay = max(delay, retry_after)
            self.sleep(min(delay, s.max_backoff))
        raise AssertionError("unreachable")

    def _once(self, url: str, headers: dict[str, str] | None) -> tuple[Response, float | None]:
        s = self.settings
        self._wait_turn(urlsplit(url).hostname or "")
        started = self.clock()
        try:
            with self.http.stream("GET", url, headers=headers or {}) as r:
                res = Response(url, str(r.url), r.status_code, r.headers.get("content-type"),
                               etag=r.headers.get("etag"), last_modified=r.headers.get("last-modified"),
                               disposition=r.headers.get("content-disposition"))
                retry_after = _retry_after(r.headers.get("retry-after"))
                if r.status_code in REDIRECT_STATUS:
                    res.location = r.headers.get("location")
                    return res, None
                if r.status_code == 304:
                    return res, None
                if r.status_code >= 400:
                    res.error = f"http_{r.status_code}"
                    res.detail = f"the server answered {r.status_code} {r.reason_phrase}".rstrip()
                    return res, retry_after
                length = r.headers.get("content-length")
                if length and length.isdigit() and int(length) > s.max_bytes:
                    res.error, res.detail = "too_large", _too_large(int(length), s.max_bytes)
                    return res, None
                chunks, n = [], 0
                for chunk in r.iter_bytes():
                    n += len(chunk)
                    if n > s.max_bytes:
                        res.error, res.detail = "too_large", _too_large(n, s.max_bytes, more=True)
                        return res, None
                    if self.clock() - started > s.total_timeout:
                        res.error = "timeout"
                        res.detail = f"the response took longer than {s.total_timeout:g} s"
                        return res, None
                    chunks.append(chunk)
                res.body = b"".join(chunks)
                return res, None
        except httpx.TimeoutException:
            return Response(url, error="timeout", detail=f"no answer within {s.timeout:g} s"), None
        except (httpx.TransportError, httpx.DecodingError) as e:
            return Response(url, error="connection_error", detail=f"{type(e).__name__}: {e}".rstrip(": ")), None
        except httpx.InvalidURL as e:
            return Response(url, error="bad_url", detail=str(e)), None

    def _robots_block(self, url: str, scope: Scope) -> tuple[str, str] | None:
        origin = origin_of(url)
        if origin not in self.robots:
            self.robots[origin] = self._load_robots(url, scope)
        rules = self.robots[origin]
        if isinstance(rules, str):
            return "robots_unreachable", rules
        if not rules.can_fetch(ROBOTS_AGENT, url):
            return "robots_disallowed", f"robots.txt of {origin[1]} disallows this path for {ROBOTS_AGENT} (--ignore-robots to override)"
        return None

    def _load_robots(self, url: str, scope: Scope) -> urllib.robotparser.RobotFileParser | str:
        """The site's rules (RFC 9309): a 4xx robots.txt allows everything, 5xx or no answer forbids
        everything for this run (returned as the words saying why)."""
        robots_url = urljoin(url, "/robots.txt")
        current = robots_url
        res = Response(robots_url)
        for _ in range(6):  # robots.txt redirects: RFC 9309 asks for at least five hops
            if refuse_reason(current, scope):
                res = Response(robots_url, status=404)
                break
            res = self._get_with_retries(current, None)
            if res.status in REDIRECT_STATUS and res.location:
                current = urljoin(current, res.location)
                continue
            break
        parser = urllib.robotparser.RobotFileParser(robots_url)
        if res.status is not None and 400 <= res.status < 500 or res.status in REDIRECT_STATUS:
            parser.parse([])
            return parser
        if res.status is None or res.status >= 500:
            return (f"robots.txt of {origin_of(url)[1]} could not be read ({res.detail or res.error}): nothing "
                    "is fetched from that site in this run (--ignore-robots to override)")
        parser.parse(res.body.decode("utf-8", errors="replace").splitlines())
        return parser


def _too_large(n: int, limit: int, more: bool = False) -> str:
    return (f"the response is {'more than ' if more else ''}{n / 2**20:.1f} MB, above the limit of "
            f"{limit / 2**20:g} MB (--max-mb)")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date).

    >>> _retry_after("3"), _retry_after(None), _retry_after("soon")
    (3.0, None, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when is not None else None
