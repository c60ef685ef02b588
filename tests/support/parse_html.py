#!/usr/bin/python3
"""Parses an HTML file with Python's html.parser (an independent reader) and prints every element
as JSON: its tag, its attributes, the text inside it, and whether it closed properly."""
import json
import sys
from html.parser import HTMLParser

VOID = {"img", "br", "hr", "meta", "link", "input", "source", "wbr"}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack, self.errors = [], [], []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": {k: (v or "") for k, v in attrs}, "text": "",
                   "depth": len(self.stack)}
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1]["tag"] != tag:
            self.errors.append("unexpected </%s>" % tag)
            return
        self.stack.pop()

    def handle_data(self, data):
        for element in self.stack:
            element["text"] += data


parser = Elements()
with open(sys.argv[1], encoding="utf-8") as f:
    parser.feed(f.read())
parser.close()
errors = parser.errors + ["<%s> never closed" % e["tag"] for e in parser.stack]
print(json.dumps({"elements": parser.elements, "errors": errors}, ensure_ascii=False))
