"""REFI-QDA Codebook exchange (.qdc): the codebook as QDA-XML, for ATLAS.ti, NVivo, MAXQDA, QualCoder.

Each variable is a code that is not codable, its values are codable codes nested under it (REFI-QDA
1.5, "Codebook Exchange"; schema urn:QDA-XML:codebook:1.0). GUIDs are uuid5 of the workspace,
variable and value, so exporting again gives the same GUIDs and a QDA program sees the same codes.
Every string comes from the user's YAML: ElementTree escapes it, characters XML cannot carry are
replaced.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

import duckdb

from shailoo.coding.codebook import Codebook, Value, Variable

NAMESPACE = "urn:QDA-XML:codebook:1.0"
SCHEMA_LOCATION = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# uuid5 namespace of shailoo's codebook GUIDs (itself uuid5 of the URL namespace and a fixed name).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shailoo.org/coding/qdc")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def workspace_seed(con: duckdb.DuckDBPyConnection) -> str:
    """What makes GUIDs differ between workspaces but stay the same in one: its first codebook version
    (never deleted), or 'unstored' for a codebook that was not imported."""
    rows = con.execute("SELECT sha256, imported_at FROM codebooks ORDER BY version LIMIT 1").fetchall()
    return f"{rows[0][0]}|{rows[0][1].isoformat()}" if rows else "unstored"


def guid(seed: str, variable: str, value: str | None = None) -> str:
    name = "\x1f".join([seed, variable] + ([value] if value is not None else []))
    return str(uuid.uuid5(GUID_NAMESPACE, name))


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("\ufffd", text)


def _label(item: Variable | Value, lang: str) -> str:
    return item.labels.get(lang, item.label) if lang != "en" else item.label


def _describe_variable(var: Variable) -> str:
    parts = [var.definition] if var.definition else []
    parts.append(f"shailoo variable '{var.name}': level {var.level}, unit {var.unit}, "
                 + ("several values per unit." if var.multiple else "one value per unit."))
    return "\n".join(parts)


def _describe_value(value: Value) -> str:
    parts = [value.definition] if value.definition else []
    if value.examples:
        parts.append("Examples: " + " | ".join(value.examples))
    kind = {"not_applicable": " (not applicable)", "cant_tell": " (can't tell)"}.get(value.kind, "")
    parts.append(f"shailoo code '{value.code}'{kind}.")
    return "\n".join(parts)


def codebook_qdc(book: Codebook, seed: str, lang: str = "en", origin: str = "shailoo") -> bytes:
    """The codebook as a REFI-QDA .qdc document (UTF-8 XML bytes); names in `lang` where translated."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}CodeBook", {"origin": _clean(origin),
                                                   f"{{{XSI}}}schemaLocation": f"{NAMESPACE} {SCHEMA_LOCATION}"})
    codes = ET.SubElement(root, f"{{{NAMESPACE}}}Codes")
    for var in book.variables:
        node = ET.SubElement(codes, f"{{{NAMESPACE}}}Code", {
            "guid": guid(seed, var.name), "name": _clean(_label(var, lang)), "isCodable": "false"})
        ET.SubElement(node, f"{{{NAMESPACE}}}Description").text = _clean(_describe_variable(var))
        for value in var.values:
            child = ET.SubElement(node, f"{{{NAMESPACE}}}Code", {
                "guid": guid(seed, var.name, value.code), "name": _clean(_label(value, lang)), "isCodable": "true"})
            ET.SubElement(child, f"{{{NAMESPACE}}}Description").text = _clean(_describe_value(value))
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return text.encode("utf-8")
