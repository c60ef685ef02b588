#!/usr/bin/python3
"""Reads a .docx with python-docx (Debian's python3-docx), an independent reader of the format,
and prints what a test needs to compare as JSON: core properties, each paragraph's style and text
(hyperlink text included), the pictures in order with their sizes, links, East Asian font hints."""
import json
import sys

import docx
from docx.oxml.ns import qn

document = docx.Document(sys.argv[1])
W_T, DRAWING, BLIP = qn("w:t"), qn("w:drawing"), qn("a:blip")

paragraphs = []
for p in document.paragraphs:
    blips = [b.get(qn("r:embed")) for b in p._p.iter(BLIP)]
    pictures = []
    for rel_id in blips:
        image = document.part.related_parts[rel_id].image
        pictures.append({"px_width": image.px_width, "px_height": image.px_height,
                         "content_type": image.content_type, "bytes": len(image.blob)})
    paragraphs.append({
        "style": p.style.name,
        "text": "".join(t.text or "" for t in p._p.iter(W_T)),
        "runs_text": p.text,  # python-docx's own reading: direct runs only
        "pictures": pictures,
        "east_asia_hints": sum(1 for f in p._p.iter(qn("w:rFonts")) if f.get(qn("w:hint")) == "eastAsia"),
        "runs": len(p._p.findall(qn("w:r"))) + len(p._p.findall(qn("w:hyperlink"))),
    })

links = [{"id": rel.rId, "url": rel.target_ref} for rel in document.part.rels.values() if rel.is_external]

defaults = document.styles.element.find(qn("w:docDefaults"))
fonts = defaults.find(".//" + qn("w:rFonts"))
lang = defaults.find(".//" + qn("w:lang"))
shapes = [{"width": s.width, "height": s.height} for s in document.inline_shapes]
section = document.sections[0]

print(json.dumps({
    "title": document.core_properties.title,
    "language": document.core_properties.language,
    "paragraphs": paragraphs,
    "inline_shapes": shapes,
    "text_width": section.page_width - section.left_margin - section.right_margin,
    "links": links,
    "default_east_asia_font": fonts.get(qn("w:eastAsia")) if fonts is not None else None,
    "default_lang": lang.get(qn("w:val")) if lang is not None else None,
    "default_east_asia_lang": lang.get(qn("w:eastAsia")) if lang is not None else None,
    "styles": sorted(s.name for s in document.styles),
}, ensure_ascii=False))
