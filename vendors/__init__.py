"""Vendor clients and simulators: plain Python on httpx, no Django."""

from vendors.base.provider import Registry

registry = Registry()


def _register_builtin() -> None:
    # Imported here: the providers import vendors.base, which lives in this package.
    from vendors.aliyun.provider import INFO as aliyun
    from vendors.anyrtc.provider import INFO as anyrtc
    from vendors.isdp.provider import INFO as isdp
    from vendors.uprtc.provider import INFO as uprtc

    for info in (aliyun, anyrtc, isdp, uprtc):
        registry.register(info)


_register_builtin()
