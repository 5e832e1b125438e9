"""The audit log's CSV export shows formula-like text (a petition's subject in 对象, a username)
as text: a leading apostrophe, so that Excel does not run it (issue 15)."""

import csv
import io

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record


def test_audit_csv_neutralises_formula_like_text(client, auditor, clerk):
    audit_record(
        actor=clerk,
        event=AuditEvent.RECORD_CREATED,
        target_type="petitions.petition",
        target_id="1",
        target_label='=HYPERLINK("http://example.com","x")',
    )
    client.force_login(auditor)
    response = client.get("/audit/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    labels = [row[5] for row in rows[1:]]
    assert '\'=HYPERLINK("http://example.com","x")' in labels
    assert not any(field.startswith(("=", "+", "-", "@")) for row in rows for field in row)
