"""S3 and KMS refusals while reading an export, said as the permission that is missing.

S3 answers a refused read with a bare "Access Denied" (HTTP 403), and a refused decryption
of an SSE-KMS object with the same code and a message about a "customer master key". What a
person needs is the action and the resource: `refused(exc, action, resource)` makes that
sentence for any S3 call; `decrypt_refused(...)` the one for reading an object encrypted
with a KMS key, which needs kms:Decrypt on that key as well as s3:GetObject on the object.
"""

from __future__ import annotations

from dataclasses import replace

from tui.core.errors import translate
from tui.core.model import AwsProblem, CoreError

DENIED_CODES = ("AccessDenied", "AccessDeniedException", "403", "Forbidden")
MISSING_CODES = ("404", "NoSuchKey", "NotFound", "NoSuchBucket")
_ADMIN = "Ask an administrator to allow it (or use another --profile), then run this again."


def error_code(exc: BaseException) -> str:
    """The error code of a ClientError ("" for other exceptions)."""
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def is_denied(exc: BaseException) -> bool:
    return error_code(exc) in DENIED_CODES


def is_missing(exc: BaseException) -> bool:
    return error_code(exc) in MISSING_CODES


def object_arn(bucket: str, key: str = "") -> str:
    return f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"


def refused(exc: BaseException, action: str, resource: str, profile: str | None = None,
            why: str = "") -> CoreError:
    """The CoreError for a failed S3 call: an AccessDenied names `action` on `resource`;
    any other failure is the core's usual translation."""
    problem = translate(exc, action, profile)
    if not is_denied(exc):
        return CoreError(problem)
    return CoreError(replace(
        problem, code="AccessDenied", field=None,
        message=f"AWS refused {action} on {resource}.",
        hint=f"Your AWS identity needs {action} on {resource}{why}. {_ADMIN}"))


def decrypt_refused(exc: BaseException, url: str, key_arn: str,
                    profile: str | None = None) -> CoreError:
    """Reading `url` was refused although HeadObject (also s3:GetObject) was allowed: S3
    could not decrypt it for this caller, who lacks kms:Decrypt on the object's key."""
    problem = translate(exc, "kms:Decrypt", profile)
    key = key_arn or "the KMS key the object is encrypted with"
    return CoreError(AwsProblem(
        code="AccessDenied", operation="kms:Decrypt", request_id=problem.request_id,
        http_status=problem.http_status,
        message=(f"S3 refused to read {url}: it is encrypted with KMS key {key}, and reading "
                 f"it needs kms:Decrypt on that key. (S3 said: {problem.message})"),
        hint=(f"Your AWS identity needs kms:Decrypt on {key} (in its IAM policy, and the "
              f"key's policy must allow the account's IAM policies or you). {_ADMIN}")))
