"""Where a job's export lies, and what S3 says of it (HeadObject): the object checks.

ASSUMPTION (unverified): DescribeMailboxExportJob's `S3Path` is the object's key, or the
same with the bucket in front ("bucket/key") or as a URL ("s3://bucket/key"); all three are
accepted. The job's `S3Prefix` is where its output log is looked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.model import AwsProblem, CoreError, ExportJob
from tui.core.retrieve.access import is_missing, object_arn, refused
from tui.core.retrieve.model import ExportLocation, ExportObject

if TYPE_CHECKING:
    from tui.core.session import Aws


def location_of(job: ExportJob) -> ExportLocation:
    """The bucket, key and prefix of a job's export; CoreError when the job names none."""
    path = job.s3_path.strip()
    if not job.bucket or not path:
        raise CoreError(AwsProblem(
            code="NoS3Path", operation="workmail:DescribeMailboxExportJob",
            message=f"Job {job.job_id} names no exported object (no S3 bucket or S3Path).",
            hint="Only a COMPLETED job has an export; check its state with "
                 f"`workmail-export status {job.job_id}`."))
    return ExportLocation(bucket=job.bucket, key=key_of(path, job.bucket, job.prefix),
                          prefix=job.prefix, job_id=job.job_id, kms_key_arn=job.kms_key_arn)


def key_of(s3_path: str, bucket: str, prefix: str = "") -> str:
    """The object key an S3Path names (see the module's ASSUMPTION). Imports nothing heavy:
    faces use it (through tui.wizard.present) to show where an export is."""
    if s3_path.startswith("s3://"):
        _, _, rest = s3_path[len("s3://"):].partition("/")
        return rest
    path = s3_path.lstrip("/")
    with_bucket = f"{bucket}/"
    if bucket and path.startswith(with_bucket) and not (prefix and path.startswith(prefix)):
        return path[len(with_bucket):]
    return path


def head_export(aws: Aws, location: ExportLocation) -> ExportObject | None:
    """HeadObject on the export: what S3 says of it, or None when it is not there.

    A refusal raises CoreError naming s3:GetObject (which HeadObject needs). S3 answers 403
    rather than 404 for a missing object when the caller may not s3:ListBucket, so the hint
    says that too.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        answer = aws.client("s3").head_object(Bucket=location.bucket, Key=location.key)
    except (ClientError, BotoCoreError) as exc:
        if is_missing(exc):
            return None
        raise refused(exc, "s3:GetObject", object_arn(location.bucket, location.key),
                      aws.profile, why=(" (and s3:ListBucket on "
                                        f"{object_arn(location.bucket)} to tell a missing "
                                        "object from a refused one)")) from exc
    return ExportObject(
        bucket=location.bucket, key=location.key, size=int(answer.get("ContentLength", 0)),
        etag=str(answer.get("ETag", "")), last_modified=answer.get("LastModified"),
        encryption=str(answer.get("ServerSideEncryption", "")),
        kms_key_id=str(answer.get("SSEKMSKeyId", "")))


def same_key(reported: str, expected: str) -> bool:
    """Whether the key S3 reports (an ARN or a bare key id) is the job's key (an ARN); True
    when either is unknown (nothing to compare)."""
    if not reported or not expected:
        return True
    return reported.rsplit("/", 1)[-1] == expected.rsplit("/", 1)[-1]
