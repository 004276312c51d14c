"""The pictures of the report's top posts: fetched once, kept in the data directory, left out when
they cannot be had.

A post's ``media_url`` (format v1, optional) is fetched over http(s) with a short timeout and a
size cap, kept only when Pillow reads it as a picture, scaled down to what a column of the page
needs and stored as a JPEG in ``<data dir>/media/<sha256 of the URL>.jpg``. A picture in that
cache is used without the network, so a report rendered offline shows the pictures fetched
before and leaves the others out. A failure (no network, a 404, an HTML page, a file too large)
leaves the post without its picture, never with a broken one, and logs one line; the next report
tries again. Platform CDNs sign their media URLs for a while only (Meta's ``oe=`` expiry, for
one), which is one more reason to keep what was fetched.
"""

from __future__ import annotations

import hashlib
import io
import logging
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

log = logging.getLogger("sada.reporter.pdf")

TIMEOUT_S = 4.0
MAX_BYTES = 8 * 1024 * 1024
LARGEST_PX = 480  # the longer side: a 30 mm column at 400 dpi
USER_AGENT = "sada-report (+https://github.com/sada; fetches the pictures of a report's top posts)"


def cached_path(cache: Path, url: str) -> Path:
    return cache / f"{hashlib.sha256(url.encode()).hexdigest()}.jpg"


def fetch_pictures(cache: Path, urls: list[str]) -> dict[str, bytes]:
    """The JPEG bytes of each URL of ``urls`` that is cached or fetchable now."""
    wanted = list(dict.fromkeys(url for url in urls if urlsplit(url).scheme in ("http", "https")))
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(wanted))) as pool:
        found = dict(zip(wanted, pool.map(lambda url: picture(cache, url), wanted), strict=True))
    return {url: data for url, data in found.items() if data is not None}


def picture(cache: Path, url: str) -> bytes | None:
    """The picture at ``url`` as JPEG bytes, from the cache or fetched into it; None when it cannot
    be had."""
    path = cached_path(cache, url)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("post picture cache %s unreadable (%s); fetching %s again", path, exc.strerror, url)
    try:
        data = _download(url)
        jpeg = _as_jpeg(data)
    except (
        urllib.error.URLError,
        OSError,
        ValueError,
        UnidentifiedImageError,
        Image.DecompressionBombError,
    ) as exc:
        log.warning("post picture %s left out of the report: %s", url, _reason(exc))
        return None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(jpeg)
        partial.replace(path)
    except OSError as exc:
        log.warning(
            "post picture %s not kept in %s (%s); the report shows it anyway", url, cache, exc.strerror
        )
    return jpeg


def _download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 (http/https only)
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return data


def _as_jpeg(data: bytes) -> bytes:
    """``data`` read as a picture, scaled down to :data:`LARGEST_PX`, as JPEG on white."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        opened.thumbnail((LARGEST_PX, LARGEST_PX))
        image: Image.Image = opened
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        return out.getvalue()


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, UnidentifiedImageError):
        return "not a picture"
    return str(exc) or type(exc).__name__
