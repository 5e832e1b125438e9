"""Issue 15: rewrites indexed words of a petition's own text that equal a scope word (`xfo<id>`,
`xfu<id>`), as `search.document_tokens` now does; the FTS5 triggers / GIN index follow."""

from django.db import migrations


def neutralise(apps, schema_editor):
    from xinfang.petitions.search import reindex_tokens

    SearchDocument = apps.get_model("petitions", "SearchDocument")
    rows = SearchDocument.objects.values_list(
        "pk", "tokens", "petition__unit_path", "petition__handling_path"
    ).order_by("pk")
    changed = []
    for pk, tokens, unit_path, handling_path in rows.iterator(chunk_size=5000):
        new = reindex_tokens(tokens, unit_path, handling_path or "")
        if new != tokens:
            changed.append(SearchDocument(pk=pk, tokens=new))
    # written after the read: few rows change (only those whose text had such a word)
    SearchDocument.objects.bulk_update(changed, ["tokens"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0009_alter_petitionevent_actor")]

    operations = [migrations.RunPython(neutralise, migrations.RunPython.noop)]
