"""The Directory API's refusals in an admin's words. Google's error body (Directory API, "Errors"):
{"error": {"code": 403, "message": "…", "errors": [{"domain": "global", "reason": "forbidden", "message": "…"}],
"status": "PERMISSION_DENIED"}}."""

from ..errors import ApiError

# Directory API "Limits and quotas": over a quota, 403 with one of these reasons (or 429): back off and retry later.
RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded")


def over_quota(response):
    """Whether an answer is Google's 403 over a quota: "Limits and quotas" asks for exponential backoff."""
    if response.status_code != 403:
        return False
    error = google_error(response)
    return error is not None and bool(_reasons(error) & set(RATE_REASONS))


def _reasons(error):
    return {str(item.get("reason")) for item in error.get("errors") or () if isinstance(item, dict)}


def refusal(client, response, url):
    """The SourceError for a non-200 (or non-JSON) answer of the Directory API at url."""
    error = google_error(response)
    if error is None:
        return _not_google(client, response, url)
    status, advice = response.status_code, client.source.advice
    said = client.api.quoted(error.get("message") or response.reason_phrase)
    reasons = _reasons(error)
    if status == 401:
        return ApiError(f"The Directory API refused a fresh token at {url} (401: {said})", code="unauthorized",
                        status=401, detail=advice["unauthorized"])
    if status in (403, 429) and reasons & set(RATE_REASONS) or status == 429:
        return ApiError(f"The Directory API answered that a quota is exceeded at {url} ({status}: {said}); "
                        "the next run resumes from this page.", code="rate_limited", status=status, detail=said)
    if status == 403 and ("accessNotConfigured" in reasons or "SERVICE_DISABLED" in reasons):
        return ApiError(f"The Admin SDK API is not enabled in the service account's project (403: {said})",
                        code="api_disabled", status=403, detail=advice["api_disabled"])
    if status == 403:
        return ApiError(f"{client.source.admin_email} may not read {url} (403: {said})", code="forbidden",
                        status=403, detail=advice["forbidden"])
    if status in (400, 404):
        which, value = client.source.scope
        return ApiError(f"The Directory API refused the {which} {value!r} at {url} ({status}: {said})",
                        code="bad_customer", status=status, detail=advice["bad_customer"])
    if status >= 500:
        return ApiError(f"The Directory API failed with {status} at {url}: {said}", code="server_error",
                        status=status, detail=said)
    return ApiError(f"The Directory API answered {status} at {url}: {said}", code="bad_request", status=status,
                    detail=said)


def _not_google(client, response, url):
    """An answer that is not the Directory API's JSON: the wrong API URL, a proxy, a login page."""
    status, kind = response.status_code, response.headers.get("Content-Type", "no Content-Type")
    advice = client.source.advice["not_found"]
    if 300 <= status < 400:
        where = response.headers.get("Location", "elsewhere")
        return ApiError(f"{url} redirects ({status}) to {where}; check the API URL.", code="redirect",
                        status=status, detail=advice)
    if status == 404:
        return ApiError(f"There is no Directory API at {url} (404). Check the API URL.", code="not_found",
                        status=404, detail=advice)
    return ApiError(f"{url} answered {status} with {kind}, not the Directory API's JSON. Check the API URL.",
                    code="not_google", status=status, detail=client.api.quoted(response.text))


def google_error(response):
    """The {"error": {...}} object of a Google API error body, or None."""
    body = json_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else None


def json_body(response):
    """The parsed JSON body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
