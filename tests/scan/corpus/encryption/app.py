import json

from models import AuditLog, Patient, Report


def read_patient(pk: str) -> str:
    p = Patient.sync_get(pk=pk)
    return p.ssn


def export_patient(pk: str) -> str:
    # Raw items: no deserialization, so no KMS Decrypt.
    raw = Patient.sync_get(pk=pk, as_dict=True)
    return json.dumps(raw)


def audit(pk: str, text: str) -> None:
    AuditLog(pk=pk, detail=text).sync_save()


def log_line(entry: AuditLog) -> str:
    # to_dict() serializes the encrypted field: one GenerateDataKey, no DynamoDB call.
    return json.dumps(entry.to_dict())


def reports():
    return list(Report.sync_scan())
