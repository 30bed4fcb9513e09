"""Tiny but well-formed media files for simulated downloads (ISO BMFF, JPEG)."""

from __future__ import annotations

import struct
import zlib


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(duration_seconds: float, label: str = "") -> bytes:
    """An MP4 (ISO BMFF) with ftyp, a movie header of the given duration, and no tracks.

    Enough for `file`, browsers and ffprobe to recognise it as MP4 and read its duration.
    """
    timescale = 1000
    mvhd = struct.pack(
        ">B3xIIII I H10x 36s 24x I",
        0,  # version
        0,  # creation time
        0,  # modification time
        timescale,
        int(duration_seconds * timescale),
        0x00010000,  # rate 1.0
        0x0100,  # volume 1.0
        struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000),  # unity matrix
        1,  # next track id
    )
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    moov = _box(b"moov", _box(b"mvhd", mvhd))
    free = _box(b"free", label.encode()[:64])
    return ftyp + moov + free


def png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (32, 96, 160)) -> bytes:
    """A solid-colour PNG: a snapshot stand-in that image viewers open."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
