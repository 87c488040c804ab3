"""REFI-QDA codebook export: valid against the standard's Codebook.xsd, stable GUIDs, hostile strings escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from shailoo.cli.main import app
from shailoo.coding.codebook import (
    builtin_codebook_text,
    import_codebook,
    parse_codebook,
)
from shailoo.coding.qdc import NAMESPACE, codebook_qdc, workspace_seed
from shailoo.errors import CodebookError

xmlschema = pytest.importorskip("xmlschema")
DATA = Path(__file__).resolve().parents[1] / "data"
XSD = DATA / "refi" / "Codebook.xsd"
NS = {"q": NAMESPACE}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(XSD))


@pytest.mark.parametrize("lang", ["en", "ru", "ky"])
def test_builtin_codebook_is_valid_qdc(schema, lang):
    book = parse_codebook(builtin_codebook_text("election"), "election")
    data = codebook_qdc(book, "seed", lang)
    schema.validate(data.decode("utf-8"))
    root = ET.fromstring(data)
    variables = root.findall("q:Codes/q:Code", NS)
    assert len(variables) == 4 and all(v.get("isCodable") == "false" for v in variables)
    topics = variables[1].findall("q:Code", NS)
    assert len(topics) == 27 and all(t.get("isCodable") == "true" for t in topics)
    if lang == "ky":
        assert topics[-1].get("name") == "Башка"
    assert "criticises" in variables[0].find("q:Code/q:Description", NS).text


def test_guids_are_stable_per_workspace_and_distinct(workspace, tmp_path, schema):
    con = workspace.con
    import_codebook(con, DATA / "coding" / "tone.yaml")
    book = parse_codebook((DATA / "coding" / "tone.yaml").read_text("utf-8"))
    first = codebook_qdc(book, workspace_seed(con))
    assert codebook_qdc(book, workspace_seed(con)) == first
    guids = [e.get("guid") for e in ET.fromstring(first).iter(f"{{{NAMESPACE}}}Code")]
    assert len(guids) == len(set(guids)) == 3 + 5 + 3 + 2
    assert codebook_qdc(book, "another workspace") != first


HOSTILE = ('</Description><Code guid="x" name="pwn" isCodable="true"/>&amp; <![CDATA[ ]]> "quoted" \'single\' '
           '<script>alert(1)</script> &lt; \u202e \ufeff')


def test_hostile_strings_are_escaped(schema):
    text = f"""title: '{HOSTILE.replace("'", "''")}'
variables:
  - name: v
    label: '{HOSTILE.replace("'", "''")}'
    definition: "tab\\there, newline\\nthere, bell \\a and \\x0b"
    values:
      - code: '<a b="c">&'
        label: '{HOSTILE.replace("'", "''")}'
        definition: ']]>'
        examples: ['=HYPERLINK("http://evil")', '<!ENTITY x SYSTEM "file:///etc/passwd">']
"""
    with pytest.raises(CodebookError, match="control characters"):  # refused at parse time
        parse_codebook(text)
    book = parse_codebook(text.replace(", bell \\a and \\x0b", ""))
    data = codebook_qdc(book, "s", origin="shailoo <&> test")
    schema.validate(data.decode("utf-8"))
    root = ET.fromstring(data)
    var = root.find("q:Codes/q:Code", NS)
    assert var.get("name") == HOSTILE.strip()
    value = var.find("q:Code", NS)
    assert value.get("name") == HOSTILE.strip() and len(var.findall("q:Code", NS)) == 1
    assert "shailoo code '<a b=\"c\">&'" in value.find("q:Description", NS).text
    assert b"<script>" not in data and b"<!ENTITY" not in data


def test_cli_export_qdc_and_yaml(runner, workspace, tmp_path, schema):
    folder = str(workspace.path)
    workspace.close()
    result = runner.invoke(app, ["coding", "codebook", "import", "--builtin", "election", "-w", folder])
    assert result.exit_code == 0, result.output
    out = tmp_path / "book.qdc"
    result = runner.invoke(app, ["coding", "codebook", "export", "--qdc", str(out), "--lang", "ru",
                                 "--yaml", str(tmp_path / "book.yaml"), "-w", folder])
    assert result.exit_code == 0, result.output
    schema.validate(str(out))
    assert (tmp_path / "book.yaml").read_text("utf-8") == builtin_codebook_text("election")
    result = runner.invoke(app, ["coding", "codebook", "export", "-w", folder])
    assert result.exit_code != 0 and "--qdc" in result.output
