"""Decoding what pixels and analytics hits send, from URLs and POST bodies as captured."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote, urlencode

import pytest

from scanner.models import Payload
from scanner.payloads import MAX_BODY, MAX_PARAMS, MAX_VALUE, decode, wants_body

EMAIL = "jan.jansen@example.nl"
EM = hashlib.sha256(EMAIL.encode()).hexdigest()
PH = hashlib.sha256(b"31612345678").hexdigest()


def test_meta_pixel_with_advanced_matching_in_the_url() -> None:
    url = "https://www.facebook.com/tr/?" + urlencode(
        {
            "id": "111222333",
            "ev": "PageView",
            "dl": "https://www.reclamedorp.nl/",
            "rl": "",
            "if": "false",
            "ts": "1700000000000",
            "cd[content_name]": "Home",
            "fbp": "fb.1.1700000000000.1234567890",
            "ud[em]": EM,
            "ud[ph]": PH,
            "ud[ct]": hashlib.sha256(b"reclamedorp").hexdigest(),
            "v": "2.9.150",
        }
    )
    assert decode(url) == Payload(
        vendor="meta",
        account="111222333",
        events=("PageView",),
        params=(
            ("dl", "https://www.reclamedorp.nl/"),
            ("cd[content_name]", "Home"),
            ("fbp", "fb.1.1700000000000.1234567890"),
        ),
        personal_data=(("ud[em]", "sha256"), ("ud[ph]", "sha256"), ("ud[ct]", "sha256")),
    )


def test_meta_pixel_post_as_form_data_with_a_plain_email() -> None:
    boundary = "----WebKitFormBoundaryAbc123"
    parts = {"id": "111222333", "ev": "Lead", "cd[value]": "0", "ud[em]": EMAIL}
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in parts.items()
        )
        + f"--{boundary}--\r\n"
    )
    payload = decode("https://www.facebook.com/tr/", "POST", body)
    assert payload is not None and payload.from_body
    assert (payload.account, payload.events) == ("111222333", ("Lead",))
    assert payload.params == (("cd[value]", "0"),)
    assert payload.personal_data == (("ud[em]", "plain"),)
    # The value itself is never kept.
    assert EMAIL not in json.dumps(payload.params) + json.dumps(payload.personal_data)


def test_meta_pixel_post_urlencoded() -> None:
    body = urlencode({"id": "9", "ev": "Contact", "ud[fn]": hashlib.sha256(b"jan").hexdigest()})
    payload = decode("https://www.facebook.com/tr/", "POST", body)
    assert payload is not None
    assert (payload.events, payload.personal_data) == (("Contact",), (("ud[fn]", "sha256"),))


def test_ga4_batch_in_the_body_user_id_and_flags() -> None:
    url = (
        "https://region1.google-analytics.com/g/collect?v=2&tid=G-TEST123&gtm=45je&_p=123"
        "&cid=1234567890.1700000000&ul=nl-nl&sr=1280x720&npa=1&gcs=G111"
        "&dl=https%3A%2F%2Fwww.reclamedorp.nl%2F&dt=Home"
    )
    body = "en=page_view&_et=5\r\nen=form_submit&ep.form_id=contact&uid=klant-42"
    payload = decode(url, "POST", body)
    assert payload is not None and payload.vendor == "google-analytics-4"
    assert payload.account == "G-TEST123"
    assert payload.events == ("page_view", "form_submit")
    assert payload.from_body
    assert ("cid", "1234567890.1700000000") in payload.params
    assert ("ep.form_id", "contact") in payload.params
    assert ("gcs", "G111") in payload.params
    assert payload.personal_data == (("uid", "id"),)
    assert payload.flags == ("non-personalised-ads",)


def test_ga4_event_in_the_url_and_remarketing_and_server_side_tagging() -> None:
    remarketing = decode(
        "https://stats.g.doubleclick.net/g/collect?v=2&tid=G-1&cid=1.2&en=page_view"
    )
    assert remarketing is not None and remarketing.flags == ("remarketing",)
    assert remarketing.events == ("page_view",)
    own = decode("https://sgtm.reclamedorp.nl/g/collect?v=2&tid=G-9&en=scroll&em=" + EM)
    assert own is not None and own.vendor == "google-analytics-4"
    assert own.personal_data == (("em", "sha256"),)
    assert decode("https://sgtm.reclamedorp.nl/g/collect?tid=G-9") is None  # no v=2: not GA4


def test_universal_analytics_and_google_ads() -> None:
    ua = decode(
        "https://www.google-analytics.com/collect?v=1&_v=j101&t=pageview&tid=UA-1-1"
        "&cid=5.6&uid=klant-42&dl=https%3A%2F%2Fwww.reclamedorp.nl%2F&aip=1&npa=0"
    )
    assert ua is not None and ua.vendor == "universal-analytics"
    assert (ua.account, ua.events, ua.flags) == ("UA-1-1", ("pageview",), ("personalised-ads",))
    assert ua.personal_data == (("uid", "id"),)
    ads = decode(
        "https://googleads.g.doubleclick.net/pagead/viewthroughconversion/123456789/?random=1"
        "&cv=11&url=https%3A%2F%2Fwww.reclamedorp.nl%2F&data=event%3Dpage_view%3Bx%3D1"
        f"&npa=0&em=tv.1~em.{EM}"
    )
    assert ads is not None and ads.vendor == "google-ads"
    assert ads.account == "AW-123456789"
    assert ads.events == ("page_view",)
    assert ads.flags == ("remarketing", "personalised-ads")
    assert ads.personal_data == (("em", "sha256"),)
    conversion = decode("https://www.googleadservices.com/pagead/conversion/42/?label=abc&value=1")
    assert conversion is not None and conversion.events == ("conversion",)
    assert ("label", "abc") in conversion.params and not conversion.flags
    audience = decode("https://www.google.nl/ads/ga-audiences?v=1&tid=G-1&cid=1.2")
    assert audience is not None and "remarketing" in audience.flags


def test_linkedin_image_and_json_post() -> None:
    image = decode("https://px.ads.linkedin.com/collect?pid=555&fmt=gif&url=https%3A%2F%2Fx.nl%2F")
    assert image is not None and image.vendor == "linkedin"
    assert (image.account, image.events) == ("555", ("pageview",))
    conversion = decode("https://px.ads.linkedin.com/collect/?pid=555&conversionId=77&fmt=gif")
    assert conversion is not None and conversion.events == ("conversion 77",)
    body = json.dumps({"pids": [555], "url": "https://x.nl/", "hem": EM, "domain": "x.nl"})
    post = decode("https://px.ads.linkedin.com/wa/", "POST", body)
    assert post is not None and post.from_body
    assert post.personal_data == (("hem", "sha256"),)
    assert ("url", "https://x.nl/") in post.params


def test_tiktok_json_events_with_hashed_user_data() -> None:
    event = {
        "event": "SubmitForm",
        "pixel_code": "CABCDEF123",
        "context": {
            "page": {"url": "https://www.reclamedorp.nl/contact/"},
            "user": {"email": EM, "phone_number": PH, "anonymous_id": "a1", "external_id": "k42"},
        },
        "properties": {"content_name": "contact"},
    }
    payload = decode(
        "https://analytics.tiktok.com/api/v2/pixel", "POST", json.dumps({"batch": [event, event]})
    )
    assert payload is not None and payload.vendor == "tiktok"
    assert payload.account == "CABCDEF123"
    assert payload.events == ("SubmitForm", "SubmitForm")
    assert payload.personal_data == (
        ("context.user.email", "sha256"),
        ("context.user.phone_number", "sha256"),
        ("context.user.external_id", "id"),
    )
    assert ("context.page.url", "https://www.reclamedorp.nl/contact/") in payload.params


@pytest.mark.parametrize(
    "url",
    [
        "https://www.reclamedorp.nl/tr",
        "https://connect.facebook.net/en_US/fbevents.js",
        "https://www.google-analytics.com/analytics.js",
        "https://www.googletagmanager.com/gtag/js?id=G-1",
        "not a url",
        "ftp://www.facebook.com/tr",
    ],
)
def test_other_requests_carry_no_payload(url: str) -> None:
    assert decode(url) is None
    assert not wants_body(url)


def test_bodies_are_bounded_and_garbage_is_ignored() -> None:
    assert wants_body("https://www.facebook.com/tr/")
    assert wants_body("https://analytics.tiktok.com/api/v2/pixel")
    huge = "ev=Lead&" + "cd[x]=" + "a" * (MAX_BODY * 4) + "&ud[em]=" + EM
    payload = decode("https://www.facebook.com/tr/", "POST", huge)
    assert payload is not None and payload.events == ("Lead",)
    assert payload.personal_data == ()  # beyond the bound: not read
    assert all(len(v) <= MAX_VALUE for _, v in payload.params)
    many = "&".join(f"cd[k{i}]={i}" for i in range(200))
    capped = decode("https://www.facebook.com/tr/?id=1&" + many)
    assert capped is not None and len(capped.params) == MAX_PARAMS
    broken = decode("https://analytics.tiktok.com/api/v2/pixel", "POST", '{"event": ')
    assert broken is not None and (broken.events, broken.from_body) == ((), False)
    # A GET's "body" is no body.
    assert decode("https://www.facebook.com/tr/?id=1", "GET", "ev=Lead").events == ()  # type: ignore[union-attr]
    assert decode("https://www.facebook.com/tr/?id=1&ud[em]=" + quote(EMAIL)).personal_data == (  # type: ignore[union-attr]
        ("ud[em]", "plain"),
    )
