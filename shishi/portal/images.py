"""Public photos leave without their metadata.

A phone photo carries EXIF: GPS position, time, camera owner, sometimes a thumbnail of the
uncropped picture. Those are personal data and stay inside. Untrusted bytes are never parsed
here by hand: Pillow decodes the picture (JPEG, PNG or WebP only, never anything else), the
EXIF orientation is applied to the pixels, and the pixels are encoded afresh, so nothing of
the upload but the picture leaves — no EXIF/GPS, no XMP, no text chunks, no comments, no
thumbnails, no bytes appended after the image.

The ICC colour profile is kept: it describes the colour space (a phone's Display P3 photo
looks washed out or garish without it), not the person, and the previous hand-written
stripper kept it too.

Refused (``ValidationFailed``, a message the office can act on): anything Pillow does not
decode as one of the three formats (GIF, SVG, PDF, HTML…), truncated or corrupt data, a
file carrying other bytes after the end of its image (a JPEG with a ZIP or an HTML page
appended: a "polyglot" another program would read as something else), and pictures over
``MAX_PIXELS`` (a decompression bomb: a few kilobytes that decode to gigabytes).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, JpegImagePlugin

from shishi.core.errors import ValidationFailed
from shishi.ledger.models import Attachment
from shishi.ledger.services import PUBLIC_PHOTO_TYPES

PUBLIC_IMAGE_TYPES = PUBLIC_PHOTO_TYPES  # what the ledger lets the office publish
MAX_PHOTO_BYTES = 20 * 1024 * 1024

# Pillow's format names: MPO is a JPEG with a second picture (a phone's depth or gain map)
# after the first; Pillow opens such a file as MPO and the first picture is the photo.
_FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_DECODERS = ["JPEG", "PNG", "WEBP"]

# 50 megapixels: a 50 MP phone sensor's full-size photo (8160 × 6120) fits, a decompression
# bomb does not (decoded as RGB, 50 MP is 150 MB; Pillow's own default allows 89 MP, twice
# that before it refuses outright).
MAX_PIXELS = 50_000_000

# Pillow leaves these in ``info`` and would write them again; everything else is dropped.
_KEPT_INFO = ("icc_profile", "transparency")
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk: length 0, type, CRC
_JPEG_END = b"\xff\xd9"  # EOI

MISSING = "照片文件已不存在"
TOO_BIG = f"照片文件过大（超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB）"
NOT_AN_IMAGE = "文件不是可识别的 JPEG、PNG 或 WebP 照片（或文件已损坏、不完整）"
EXTRA_DATA = "照片文件末尾附带了图片以外的数据，不能公开；请另存为普通照片后重新上传"
TOO_LARGE = f"照片尺寸过大（超过 {MAX_PIXELS // 1_000_000} 百万像素），请缩小后重新上传"


def configure_pillow() -> None:
    """Pillow's decompression-bomb guard at ``MAX_PIXELS``, its warning an error.

    Pillow warns (and only warns) between its limit and twice its limit; here that is an
    error, raised by ``Image.open`` before anything is decoded. Called once at start-up
    (``PortalConfig.ready``): the settings are process-wide, and a warnings filter set per
    call would not be thread-safe under gunicorn's threaded workers.
    """
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


def _ends_where_its_image_ends(data: bytes, kind: str) -> bool:
    """No bytes after the image: a ZIP, HTML or script appended to a photo is refused.

    Only the container's framing is read (its last bytes or its declared length); the
    image inside has been decoded by Pillow already. A JPEG may end in NUL padding.
    """
    if kind == "image/jpeg":
        return data.rstrip(b"\x00").endswith(_JPEG_END)
    if kind == "image/png":
        return data.endswith(_PNG_END)
    riff_size = int.from_bytes(data[4:8], "little")  # WebP: RIFF, size, WEBP, chunks
    return riff_size + 8 == len(data)


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """The photo re-encoded without metadata, upright, and its type.

    Raises ``ValidationFailed`` for anything that is not a whole JPEG, PNG or WebP image of
    at most ``MAX_PIXELS`` pixels with nothing after it. An animated image gives its first
    frame.
    """
    try:
        with Image.open(io.BytesIO(data), formats=_DECODERS) as source:
            kind = _FORMATS[source.format or ""]
            if source.width * source.height > MAX_PIXELS:  # whatever the warnings filters
                raise Image.DecompressionBombError(TOO_LARGE)
            source.load()
            upright = ImageOps.exif_transpose(source)
            quantization = getattr(source, "quantization", None)
            sampling = JpegImagePlugin.get_sampling(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(TOO_LARGE) from None
    except (OSError, ValueError, KeyError, SyntaxError, EOFError):
        # Pillow's ways of saying "not an image it decodes": UnidentifiedImageError (an
        # OSError), truncated data (OSError), broken headers (SyntaxError, ValueError).
        raise ValidationFailed(NOT_AN_IMAGE) from None
    if not _ends_where_its_image_ends(data, kind):
        raise ValidationFailed(EXTRA_DATA)
    return _encode(upright, kind, quantization=quantization, sampling=sampling), kind


def clean_attachment(file: Any) -> tuple[bytes, str]:
    """``clean_photo`` of a stored file (an attachment's ``FieldFile``)."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_PHOTO_BYTES + 1)
    except (OSError, ValueError):  # no file on disk (FileNotFoundError), or no name
        raise ValidationFailed(MISSING) from None
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed(TOO_BIG)
    return clean_photo(data)


PUBLIC_COPIES = "public-photos"  # under MEDIA_ROOT (or the configured storage)


def copies_in_use(names: Sequence[str]) -> set[str]:
    """Of these clean copies (``public-photos/<attachment id>-<digest>``), those whose
    attachment still exists (``shishi clean_orphan_files`` leaves them)."""
    ids = {}
    for name in names:
        head = name.rsplit("/", 1)[-1].split("-", 1)[0]
        if head.isdigit():
            ids[name] = int(head)
    existing = set(Attachment.objects.filter(pk__in=set(ids.values())).values_list("pk", flat=True))
    return {name for name, pk in ids.items() if pk in existing}


_SIGNATURES = ((b"\xff\xd8", "image/jpeg"), (b"\x89PNG", "image/png"), (b"RIFF", "image/webp"))


def _copy_name(attachment: Any) -> str:
    """The clean copy's name: the original's name, size and time, hashed, so a removed
    original is missing here too and a replaced one gets a new copy."""
    storage, name = attachment.file.storage, attachment.file.name
    if not name:  # the file was removed from the attachment
        raise ValidationFailed(MISSING)
    try:
        stamp = f"{name}|{storage.size(name)}|{storage.get_modified_time(name).timestamp()}"
    except (OSError, ValueError, NotImplementedError):  # no file, or no name
        raise ValidationFailed(MISSING) from None
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:24]
    return f"{PUBLIC_COPIES}/{attachment.pk}-{digest}"


def public_copy(attachment: Any) -> tuple[bytes, str]:
    """The photo as the portal serves it: ``clean_attachment`` once, then kept.

    Cleaning decodes and re-encodes the whole picture (about 130 ms for a 12 MP JPEG on
    this project's bench machine), too much for every visit of a public page. The clean copy
    is written when the photo is published (``services``) or, for one published before,
    on its first visit; after that it is read back. Its bytes are this module's own
    output, so telling its format from its first bytes is safe.
    """
    name = _copy_name(attachment)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            body = handle.read()
        for signature, kind in _SIGNATURES:
            if body.startswith(signature):
                return body, kind
    body, kind = clean_attachment(attachment.file)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(body))
    return body, kind


def _encode(
    image: Image.Image, kind: str, *, quantization: dict[int, list[int]] | None, sampling: int
) -> bytes:
    kept = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    image.info = {}  # Pillow writes EXIF, XMP and text back from ``info``; none of it goes
    out = io.BytesIO()
    if kind == "image/jpeg":
        # The source's quantization tables and chroma subsampling: the same quality as the
        # upload, not a second, lossier one.
        options: dict[str, object] = {"qtables": quantization} if quantization else {}
        if sampling != -1:
            options["subsampling"] = sampling
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", icc_profile=kept.get("icc_profile"), **options)
    elif kind == "image/png":
        image.save(out, "PNG", **kept)
    else:
        image.save(out, "WEBP", quality=90, icc_profile=kept.get("icc_profile", b""))
    return out.getvalue()
