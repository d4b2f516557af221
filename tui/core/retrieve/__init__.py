"""After the export: prove each mailbox is out, bring it home, and turn it into mail.

No face here; one job a module:
    model          the plain values (ExportLocation, ExportObject, ExportLog, Verification,
                   DownloadResult, Inspection, ConvertSummary, ...)
    locate         where a job's export lies (S3Path) and HeadObject: the object checks
    output_log     the log finder: the output log under the job's prefix, or beside a zip
    access         S3/KMS refusals said as the missing permission (kms:Decrypt on the key)
    verify         the verdict on an export without downloading it
    part_record    the record that makes a download resumable
    transfer       the download: concurrent ranged GETs, resume, free space, sha384
    entry_kinds    what a zip entry is, from its first bytes (message, calendar item, other)
    zip_reader     reading an export zip entry by entry, as streams (shared with IMAP delivery)
    inspect        what a zip holds, against its log, without unpacking it
    folder_names   reversible safe names for folders (file systems; Maildir++ and Dovecot)
    mbox_writer    mboxrd, one mbox per folder; maildir_writer Maildir++; eml_writer .eml tree
    convert        the streaming conversion and its summary
    results        the local record of verifications and downloads (for manifests and faces)
Every guess about WorkMail's export (layout, log) is marked ASSUMPTION where it is coded.
"""
