"""The map's GeoJSON (`/api/v1/ideas.geojson`): every located public idea, built once per
municipality generation and filter, kept gzip-compressed, answered with an ETag.

Tens of thousands of features make megabytes of JSON and cost a few hundred milliseconds to
build; the map asks for the same document again and again. So the document is built when the
municipality's data changed (core.pagecache generation) and kept in the cache, compressed:
clients that accept gzip get the stored bytes as they are, a client that sends the ETag it has
gets 304 Not Modified. The ETag is a hash of the document itself, so it survives generations
in which nothing on the map changed.

Only the latest document per municipality, filter and address is kept (the key has no
generation; the stored value names the one it was built in), so frequent writes never pile up
megabytes of outdated documents in a worker's memory.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from mitmachstadt.core import pagecache
from mitmachstadt.ideas import selectors

CACHE_SECONDS = 3600
# zlib level 1: a third of the time of level 6 for a 30 % larger body (2.4 instead of 1.8 MB
# for 57,000 features).
GZIP_LEVEL = 1
CONTENT_TYPE = "application/geo+json"


@dataclass(frozen=True)
class Document:
    etag: str
    gzipped: bytes

    def text(self) -> bytes:
        return zlib.decompress(self.gzipped, 31)


def chunks(rows: Iterable[tuple[Any, ...]], base_url: str, size: int = 2000) -> Iterator[str]:
    """The FeatureCollection of (pk, title, state, lat, lon, supports, comments) rows, in pieces."""
    # Written as text (several times faster than dicts for the generic serialiser; the same
    # document). States are slugs and need no escaping; titles go through the JSON encoder.
    base = encode_basestring(base_url)[1:-1]
    enc = encode_basestring
    yield '{"type":"FeatureCollection","features":['
    batch: list[str] = []
    first = True
    for pk, title, state, lat, lon, up, comments in rows:
        batch.append(
            f'{{"type":"Feature","id":{pk},"geometry":{{"type":"Point","coordinates":'
            f'[{lon!r},{lat!r}]}},"properties":{{"id":{pk},"title":{enc(title)},'
            f'"state":"{state}","url":"{base}{pk}/","supports":{up},"comments":{comments}}}}}'
        )
        if len(batch) == size:
            yield ("" if first else ",") + ",".join(batch)
            batch, first = [], False
    if batch:
        yield ("" if first else ",") + ",".join(batch)
    yield "]}"


def build(rows: Iterable[tuple[Any, ...]], base_url: str) -> Document:
    """Compress and hash the document piece by piece: the megabytes of plain JSON never sit in
    memory at once (a worker's peak stays a few MB above its rows)."""
    # wbits 31: a gzip member with mtime 0, so equal documents compress to equal bytes.
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    digest = hashlib.blake2b(digest_size=16)
    parts: list[bytes] = []
    for piece in chunks(rows, base_url):
        data = piece.encode()
        digest.update(data)
        parts.append(compressor.compress(data))
    parts.append(compressor.flush())
    return Document(etag=f'"{digest.hexdigest()}"', gzipped=b"".join(parts))


def bench_bypass(request: HttpRequest) -> bool:
    """The benchmark's "measure a cache miss" header (honoured only in benchmark runs)."""
    return bool(
        getattr(settings, "PAGECACHE_BENCH_BYPASS", False)
        and request.META.get(pagecache.BYPASS_HEADER) == "bypass"
    )


def may_store(token: str) -> bool:
    """False while a replica may not have replayed the write that started generation `token`:
    what is read from it now could be older than the generation claims."""
    return selectors.cache_may_store(token)


def document(request: HttpRequest, flt: selectors.IdeaFilter) -> Document:
    """The GeoJSON of the request's municipality under `flt`, from the cache if current."""
    municipality = request.municipality  # type: ignore[attr-defined]
    base_url = request.build_absolute_uri("/ideas/")
    where = f"{base_url}|{flt.key()}"
    key = f"api-geojson:{municipality.pk}:{hashlib.sha256(where.encode()).hexdigest()[:32]}"
    token = pagecache.generation(municipality.pk)
    bypass = bench_bypass(request)
    if not bypass:
        stored = cache.get(key)
        if stored is not None and stored[0] == token:
            return Document(etag=stored[1], gzipped=stored[2])
    doc = build(selectors.located_rows(municipality, flt), base_url)
    if not bypass and may_store(token):
        cache.set(key, (token, doc.etag, doc.gzipped), CACHE_SECONDS)
    return doc


def accepts_gzip(request: HttpRequest) -> bool:
    for part in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in {"gzip", "*"}:
            quality = params.strip().lower().removeprefix("q=")
            try:
                return not quality or float(quality) > 0
            except ValueError:
                return True
    return False


def response(request: HttpRequest, flt: selectors.IdeaFilter) -> HttpResponse:
    """200 with the document (gzip if accepted) or 304 if the client's copy is current."""
    doc = document(request, flt)
    matches = request.META.get("HTTP_IF_NONE_MATCH", "")
    if doc.etag in {tag.strip().removeprefix("W/") for tag in matches.split(",")}:
        answer = HttpResponse(status=304)
    elif accepts_gzip(request):
        answer = HttpResponse(doc.gzipped, content_type=CONTENT_TYPE)
        answer["Content-Encoding"] = "gzip"
    else:
        answer = HttpResponse(doc.text(), content_type=CONTENT_TYPE)
    answer["ETag"] = doc.etag
    # Stored anywhere, but asked again each time: a write changes the map at once.
    answer["Cache-Control"] = "public, no-cache"
    patch_vary_headers(answer, ["Accept-Encoding"])
    return answer
