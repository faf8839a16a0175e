"""The moderation replies, built from their rows."""

from __future__ import annotations

import json
from datetime import datetime

from protocols import moderation as wire
from storage.models.moderation import Ban, LogEntry, Report


def report(row: Report) -> wire.Report:
    return wire.Report(
        id=row.id, reporter_id=row.reporter_id, report_type=wire.ReportType(row.target_type),
        target_id=row.target_id, reason=wire.ReportReason(row.reason), comment=row.comment,
        status=wire.ReportStatus(row.status), created_at=row.created_at, updated_at=row.updated_at,
        handled_by=row.handled_by,
    )  # fmt: skip


def log_entry(row: LogEntry) -> wire.LogEntry:
    return wire.LogEntry(
        id=row.id, moderator_id=row.moderator_id, action=wire.LogAction(row.action),
        target_type=row.target_type, target_id=row.target_id,
        details=json.loads(row.details) if row.details else {}, created_at=row.created_at,
    )  # fmt: skip


def report_record(row: Report) -> wire.ReportRecord:
    return wire.ReportRecord(
        **report(row).model_dump(), contract=row.contract, contract_reason=row.contract_reason,
        subject_user_id=row.subject_user_id, evidence_urls=list(row.evidence_urls or []),
        resolution=wire.Resolution(row.resolution) if row.resolution else None, resolved_at=row.resolved_at,
        admin_notes=row.admin_notes,
    )  # fmt: skip


def ban_record(row: Ban, now: datetime) -> wire.BanRecord:
    return wire.BanRecord(
        id=row.id, user_id=row.user_id, reason=row.reason, admin_notes=row.admin_notes, report_id=row.report_id,
        banned_by=row.banned_by, banned_at=row.banned_at, banned_until=row.banned_until, ended_at=row.ended_at,
        ended_by=row.ended_by, active=row.ended_at is None and row.banned_until > now,
    )  # fmt: skip
