"""Okta's refusals in an admin's words, told apart by status and errorCode (Okta API, "Error object" and
"Error codes": E0000011 invalid token, E0000006 no permission, E0000007 not found, E0000047 rate limit)."""

from urllib.parse import urlsplit

from ..errors import ApiError, FilterRefused, scrub


def refusal(response, url, params, source, secrets, shape=None):
    """The SourceError for an answer that is not the JSON asked for (``shape``: what a 200 lacked)."""
    status, advice = response.status_code, source.advice
    code, summary = _okta_error(response, secrets)
    said = f"{status} {code}: {summary}" if code else f"{status}"
    if shape is not None or (code is None and status in (200, 404)):
        kind = response.headers.get("Content-Type", "no Content-Type")
        return ApiError(f"{_where(url)} answered {status} with {kind}, not Okta's API. Check the Okta domain URL.",
                        code="not_okta", status=status, detail=advice["not_okta"])
    if status == 401:
        return ApiError(f"Okta refused the API token ({said}).", code="invalid_token", status=401,
                        detail=advice["invalid_token"])
    if status == 403:
        return ApiError(f"The API token may not read {urlsplit(url).path} ({said}).", code="forbidden",
                        status=403, detail=advice["forbidden"])
    if status == 404 and source.app_id and ("(AppInstance)" in summary or _is_app(url, source)):
        return ApiError(f"Okta has no app {source.app_id} ({said}).", code="app_not_found", status=404,
                        detail=advice["app_not_found"])
    if status == 400 and params and "filter" in params:
        return FilterRefused(f"Okta refused the filter {params['filter']!r} ({said}); a full pull is needed.",
                             status=400, detail=summary)
    if 300 <= status < 400:
        where = response.headers.get("Location", "elsewhere")
        return ApiError(f"{_where(url)} redirects ({status}) to {scrub(where, secrets)}: use the Okta domain URL "
                        "the Admin Console shows.", code="redirect", status=status, detail=advice["not_okta"])
    if status == 429:
        return ApiError(f"Okta kept answering 429 Too Many Requests at {_where(url)} ({said}); try again in a "
                        "minute.", code="rate_limited", status=429,
                        detail="Other clients using this org's API rate limits (or a token's share of them, set "
                               "under Security → API → Tokens) leave too little; pull at a quieter time.")
    if status >= 500:
        return ApiError(f"Okta failed with {said} at {_where(url)}.", code="server_error", status=status,
                        detail=summary)
    return ApiError(f"Okta answered {said} at {_where(url)}.", code="bad_request", status=status, detail=summary)


def _okta_error(response, secrets):
    """(errorCode, errorSummary) of an Okta error body, scrubbed; (None, the start of the body) otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errorCode"), str):
        return body["errorCode"], scrub(body.get("errorSummary") or "", secrets)
    return None, scrub(response.text or response.reason_phrase, secrets)


def _is_app(url, source):
    """Whether url is the app itself, /api/v1/apps/{id}."""
    return urlsplit(url).path.rstrip("/") == urlsplit(source.api_base).path + f"/apps/{source.app_id}"


def _where(url):
    """The URL without its query (an after cursor says nothing to an admin)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
