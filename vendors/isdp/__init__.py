"""Huawei ISDP+ iRTC (spec 004): server API client, join tokens, callbacks, provider and simulator."""
