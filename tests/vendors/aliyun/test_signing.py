"""Signature code checked against independently computed vectors, not only against itself."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace
from urllib.parse import parse_qsl

from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from aliyunsdkcore.auth.composer import rpc_signature_composer
from hypothesis import given
from hypothesis import strategies as st

from vendors.aliyun.signing import (
    RpcGetSigner,
    acs3_canonical_request,
    acs3_signature,
    acs3_string_to_sign,
    parse_acs3_authorization,
    percent_encode,
    rpc_canonical_query,
    rpc_signature,
    rpc_string_to_sign,
)

PARAMS = {
    "Action": "DescribeApps",
    "AccessKeyId": "testid",
    "Name": "a b*c~d/é",
    "SignatureNonce": "n1",
    "Timestamp": "2017-03-29T09:22:32Z",
}
# Worked out by hand from section 2.5: sort, RFC 3986-encode each key and value, join,
# then encode the whole canonical query once more.
EXPECTED_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeApps%26Name%3Da%2520b%252Ac~d%252F%25C3%25A9"
    "%26SignatureNonce%3Dn1%26Timestamp%3D2017-03-29T09%253A22%253A32Z"
)


def openssl_hmac_sha1_base64(message: str, key: str) -> str:
    digest = subprocess.run(
        ["openssl", "dgst", "-sha1", "-hmac", key, "-binary"], input=message.encode(), capture_output=True, check=True
    ).stdout
    return subprocess.run(["base64"], input=digest, capture_output=True, check=True).stdout.decode().strip()


def test_percent_encoding_is_rfc_3986():
    assert percent_encode("AZaz09-_.~") == "AZaz09-_.~"
    assert percent_encode(" *+/=&:") == "%20%2A%2B%2F%3D%26%3A"
    assert percent_encode("频道") == "%E9%A2%91%E9%81%93"


def test_string_to_sign_matches_the_hand_worked_vector():
    assert rpc_string_to_sign("GET", PARAMS) == EXPECTED_STRING_TO_SIGN
    assert rpc_string_to_sign("GET", {**PARAMS, "Signature": "ignored"}) == EXPECTED_STRING_TO_SIGN


def test_signature_matches_openssl():
    assert rpc_signature("GET", PARAMS, "testsecret") == openssl_hmac_sha1_base64(
        EXPECTED_STRING_TO_SIGN, "testsecret&"
    )


param_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
param_names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.", min_size=1, max_size=12
)


@given(st.dictionaries(param_names, param_text, min_size=1, max_size=6), st.sampled_from(["GET", "POST"]))
def test_signature_agrees_with_both_official_sdks(params, method):
    secret = "s3cr3t/+="
    compose = vars(rpc_signature_composer)["__compose_string_to_sign"]
    assert rpc_string_to_sign(method, params) == compose(method, params)
    assert rpc_signature(method, params, secret) == TeaUtils.get_rpcsignature(params, method, secret)


STATIC = {"Version": "2018-01-11", "Format": "JSON", "AccessKeyId": "testid", "SignatureVersion": "1.0"}


@given(
    st.dictionaries(
        st.one_of(param_names, st.sampled_from([*STATIC, "Action", "Signature", "SecurityToken", "Timestamp"])),
        param_text,
        max_size=6,
    ),
    st.sampled_from([{}, {"SecurityToken": "tok/en+="}]),
    param_text,
)
def test_the_get_signer_sends_what_rpc_signature_signs(params, overriding, timestamp):
    """The per-client signer (encoded static pairs, one sort, one join) gives the canonical query
    and signature of rpc_signature over the same merged parameters, overrides included."""
    secret = "s3cr3t/+="
    signer = RpcGetSigner(secret, STATIC, overriding)
    sent = signer.signed_query_string("DescribeApps", "0f1e2d3c", timestamp, params)
    merged = {**STATIC, "Action": "DescribeApps", "SignatureNonce": "0f1e2d3c", "Timestamp": timestamp}
    merged.update(params)
    merged.update(overriding)
    merged.pop("Signature", None)
    canonical, _, signature = sent.rpartition("&Signature=")
    assert canonical == rpc_canonical_query(merged)
    assert dict(parse_qsl(f"Signature={signature}"))["Signature"] == rpc_signature("GET", merged, secret)
    # The same signer twice in a row (the timestamp's encoding is kept) signs the same.
    assert signer.signed_query_string("DescribeApps", "0f1e2d3c", timestamp, params) == sent


def test_acs3_signature_agrees_with_the_tea_sdk():
    headers = {
        "host": "rtc.aliyuncs.com",
        "x-acs-action": "DescribeApps",
        "x-acs-version": "2018-01-11",
        "x-acs-date": "2026-11-18T10:30:00Z",
        "x-acs-signature-nonce": "3ee8c1b8",
        "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "accept": "application/json",
    }
    query = {"PageSize": "2", "AppName": "频道 1*"}
    request = SimpleNamespace(method="POST", pathname="/", query=query, headers=headers)
    authorization = TeaUtils.get_authorization(
        request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], "testid", "testsecret"
    )
    fields = parse_acs3_authorization(authorization)
    assert fields["Credential"] == "testid"
    signed = fields["SignedHeaders"].split(";")
    canonical = acs3_canonical_request("POST", "/", query.items(), headers, signed, headers["x-acs-content-sha256"])
    assert acs3_signature(acs3_string_to_sign(canonical), "testsecret") == fields["Signature"]


def test_malformed_acs3_header_is_not_parsed():
    assert parse_acs3_authorization("ACS3-HMAC-SHA256 Credential=x") is None
    assert parse_acs3_authorization("Bearer abc") is None
