"""Answers built as httpx builds them, without the work a simulator does not need."""

from __future__ import annotations

import httpx


def response(status: int, headers: list[tuple[str, str]], content: bytes) -> httpx.Response:
    """`httpx.Response(status, headers=headers, content=content)`, equal to it in every part read.

    httpx reads the body it was just given back through its decoder and chunker generators,
    a third of the CPU of a small answer; here the body is simply kept as the content read."""
    names = {name.lower() for name, _ in headers}
    if content and "content-length" not in names:
        headers = [*headers, ("Content-Length", str(len(content)))]
    answer = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))
    answer._content = content  # what Response.read() keeps; the stream still yields the same bytes
    return answer
