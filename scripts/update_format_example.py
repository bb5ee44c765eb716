"""Refresh the three code blocks of the "## Example" section of docs/data-format.md from the
real exports of the demo data (q=traffic); tests/test_exports.py checks they match.

    export DEBUG=1 DATABASE_URL=sqlite:////tmp/docgen.sqlite3; rm -f /tmp/docgen.sqlite3
    python manage.py migrate -v0 && python manage.py loaddata fixtures/demo.json -v0
    python manage.py shell -v0 -c "exec(open('scripts/update_format_example.py').read())"
"""

import json
from pathlib import Path

from django.test import Client

DOC = Path("docs/data-format.md")
client = Client(HTTP_HOST="localhost")


def body(url):
    response = client.get(url, {"q": "traffic"})
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


raw = body("/incidents/export.json").decode("utf-8")
pretty = json.dumps(json.loads(raw), ensure_ascii=False, indent=2) + "\n"
cut = "".join(
    (line[:92].rstrip() + " …" if len(line) > 92 else line) + "\n" for line in raw.splitlines()
)
table = body("/incidents/export.csv").decode("utf-8-sig").replace("\r\n", "\n")

text = DOC.read_text("utf-8")


def replace_block(text, after, language, content):
    start = text.index(f"```{language}\n", text.index(after)) + len(language) + 4
    end = text.index("```", start)
    return text[:start] + content + text[end:]


text = replace_block(text, "## Example", "json", pretty)
text = replace_block(text, "As written (one record per line", "text", cut)
text = replace_block(text, "The same record from", "csv", table)
DOC.write_text(text, "utf-8")
print("docs/data-format.md: example refreshed")
